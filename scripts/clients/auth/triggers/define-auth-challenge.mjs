// DefineAuthChallenge in the developer guide's shape for CUSTOM_WITH_SRP: the password first
// (SRP_A, then PASSWORD_VERIFIER), then one custom challenge, then tokens.
export const handler = async (event) => {
  const session = event.request.session;
  const passed = (i, name) =>
    session.length === i + 1 && session[i].challengeName === name && session[i].challengeResult === true;
  event.response.issueTokens = false;
  event.response.failAuthentication = false;
  if (passed(0, "SRP_A")) {
    event.response.challengeName = "PASSWORD_VERIFIER";
  } else if (passed(1, "PASSWORD_VERIFIER")) {
    event.response.challengeName = "CUSTOM_CHALLENGE";
  } else if (passed(2, "CUSTOM_CHALLENGE")) {
    event.response.issueTokens = true;
  } else {
    event.response.failAuthentication = true;
  }
  return event;
};
