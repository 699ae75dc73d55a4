// Remembered devices (J9) with amazon-cognito-identity-js: SRP + SMS MFA on a new device, the
// library's own ConfirmDevice, setDeviceStatusRemembered, listDevices; the next
// authenticateUser answers DEVICE_SRP_AUTH by itself and skips MFA; a device forgotten behind
// its back makes the library retry without it (ResourceNotFoundException on PASSWORD_VERIFIER).
import { readFileSync } from "node:fs";
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";

const [url, fixturePath] = process.argv.slice(2);
const fx = JSON.parse(readFileSync(fixturePath, "utf8"));

function check(cond, what) {
  if (!cond) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  console.log(`ok - ${what}`);
}

async function latestCode() {
  const res = await fetch(`${url}/_dev/mailbox/latest?${new URLSearchParams({ to: fx.phone })}`);
  return (await res.json()).code;
}

const pool = new CognitoUserPool({ UserPoolId: fx.poolId, ClientId: fx.clientId, endpoint: url });
const user = new CognitoUser({ Username: fx.username, Pool: pool });
const details = new AuthenticationDetails({ Username: fx.username, Password: fx.password });

/** authenticateUser; answers SMS MFA from the dev mailbox. Resolves with what happened. */
function signIn() {
  return new Promise((resolve, reject) => {
    let askedForMfa = false;
    const callbacks = {
      onSuccess: (session, userConfirmationNecessary) =>
        resolve({ session, userConfirmationNecessary, askedForMfa }),
      onFailure: reject,
      mfaRequired: async () => {
        askedForMfa = true;
        user.sendMFACode(await latestCode(), callbacks);
      },
    };
    user.authenticateUser(details, callbacks);
  });
}

const first = await signIn();
check(first.askedForMfa, "a new device is asked for SMS MFA");
check(first.userConfirmationNecessary === true, "the library confirmed the device; the pool wants the user's say-so");
const deviceKey = first.session.getAccessToken().decodePayload().device_key;
check(typeof deviceKey === "string" && deviceKey.startsWith("us-east-1_"), "the access token names the new device");

await new Promise((resolve, reject) => user.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));
const listed = await new Promise((resolve, reject) =>
  user.listDevices(10, null, { onSuccess: resolve, onFailure: reject }),
);
const remembered = listed.Devices.find((d) => d.DeviceKey === deviceKey);
check(
  remembered && remembered.DeviceAttributes.some((a) => a.Name === "dev:device_remembered_status" && a.Value === "remembered"),
  "setDeviceStatusRemembered + listDevices",
);

const second = await signIn();
check(!second.askedForMfa, "a remembered device signs in through DEVICE_SRP_AUTH without MFA");
check(second.session.getAccessToken().decodePayload().device_key === deviceKey, "the token names the remembered device");

// Forgotten behind the library's back (an admin call): it retries without the device key.
const forget = await fetch(url, {
  method: "POST",
  headers: {
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminForgetDevice",
  },
  body: JSON.stringify({ UserPoolId: fx.poolId, Username: fx.username, DeviceKey: deviceKey }),
});
check(forget.status === 200, "AdminForgetDevice");
const third = await signIn();
check(third.askedForMfa, "after the device is forgotten, MFA is asked for again");
check(third.session.getAccessToken().decodePayload().device_key !== deviceKey, "and a new device is handed out");

await new Promise((resolve, reject) => user.forgetDevice({ onSuccess: resolve, onFailure: reject }));
check(true, "forgetDevice");
