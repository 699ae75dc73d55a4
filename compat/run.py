"""The client compatibility matrix: starts cognito-emu once (recording every AWS JSON response),
runs the same journeys through each client, maps the Rust conformance suite into its column,
checks every recorded response against the service models, and writes COMPATIBILITY.md.

Run through scripts/clients/compat.sh (it installs the pinned clients first). Exit status 1 when
a cell the emulator implements fails, a response breaks its model shape, a journey crashes, or
the committed COMPATIBILITY.md differed from the one generated (it is rewritten either way).
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "journeys"))

import shapes  # noqa: E402
from common import PASS, FAIL, NOT_IMPLEMENTED, BLOCKED, NA  # noqa: E402

MISSING = "missing"  # the Rust suite has no case for this step yet
CATALOG = json.load(open(os.path.join(HERE, "steps.json")))
STEP_IDS = [s[0] for sec in CATALOG["sections"] for s in sec["steps"]]
REGION = "us-east-1"


def start_emulator(binary, record_file):
    proc = subprocess.Popen(
        [binary, "--port", "0", "--in-memory", "--log-level", "warn",
         "--record-responses", record_file],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r"(http://[^\s]+)", line)
    if not m:
        proc.kill()
        sys.exit(f"compat: cognito-emu did not print its URL (got {line!r})")
    return proc, m.group(1).rstrip("/")


def make_fixture(url):
    """A pool, a client with a secret and a public client, made with boto3, for the clients
    that have no admin API of their own (pycognito, amazon-cognito-identity-js, aws-jwt-verify)."""
    import boto3
    from botocore.config import Config
    idp = boto3.client("cognito-idp", endpoint_url=url, region_name=REGION,
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(retries={"max_attempts": 1}))
    fx = {"url": url, "region": REGION, "pools": {}}
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
             "ALLOW_REFRESH_TOKEN_AUTH"]
    for client in ("pycognito", "identity-js", "jwt-verify", "sdk-js-v3"):
        pool = idp.create_user_pool(
            PoolName=f"compat-{client}",
            Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True,
                                         "RequireLowercase": True, "RequireNumbers": True,
                                         "RequireSymbols": False}},
            AutoVerifiedAttributes=["email"],
            UsernameConfiguration={"CaseSensitive": False})["UserPool"]["Id"]
        secret = idp.create_user_pool_client(
            UserPoolId=pool, ClientName="with-secret", GenerateSecret=True, ExplicitAuthFlows=flows,
            PreventUserExistenceErrors="LEGACY")["UserPoolClient"]
        public = idp.create_user_pool_client(
            UserPoolId=pool, ClientName="public", GenerateSecret=False, ExplicitAuthFlows=flows,
            PreventUserExistenceErrors="LEGACY")["UserPoolClient"]
        fx["pools"][client] = {"pool_id": pool, "client_id": secret["ClientId"],
                               "client_secret": secret["ClientSecret"],
                               "public_client_id": public["ClientId"]}
    return fx


def run_journey(client, cmd, out_file, env=None, timeout=300):
    """Runs one client's journey; its results, or every step failed when it crashed."""
    started = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        crashed = p.returncode != 0 or not os.path.exists(out_file)
        why = (p.stderr or p.stdout).strip().splitlines()[-1:] if crashed else []
    except subprocess.TimeoutExpired:
        crashed, why = True, [f"timed out after {timeout}s"]
    took = time.time() - started
    if crashed:
        detail = f"journey crashed: {' '.join(why)}"[:300]
        print(f"compat: {client} journey crashed: {detail}", file=sys.stderr)
        if p_err := locals().get("p"):
            print(p_err.stderr[-3000:], file=sys.stderr)
        return {s: {"status": FAIL, "detail": detail} for s in STEP_IDS if not s.startswith("wire.")}, took, True
    return json.load(open(out_file)), took, False


# --- the Rust SDK column: the conformance suite's cases mapped onto steps -------------------

def rust_results(log_file, run_suite):
    if run_suite:
        with open(log_file, "w") as f:
            subprocess.run(["cargo", "test", "-p", "conformance", "--test", "suite", "--", "--test-threads", "4"],
                           cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, check=False)
    outcomes = {}
    for line in open(log_file, errors="replace"):
        m = re.match(r"^test (\S+) \.\.\. (ok|FAILED|ignored)", line)
        if m:
            outcomes[m.group(1)] = m.group(2)
    mapping = json.load(open(os.path.join(HERE, "rust-map.json")))
    res = {}
    for step in STEP_IDS:
        if step.startswith("wire."):
            continue
        pats = mapping.get(step)
        if pats is None:
            res[step] = {"status": NA, "detail": ""}
            continue
        hits = {t: o for t, o in outcomes.items() if any(re.search(p, t) for p in pats)}
        run = {t: o for t, o in hits.items() if o != "ignored"}
        if not run:
            res[step] = {"status": MISSING, "detail": "no conformance case yet"}
        elif all(o == "ok" for o in run.values()):
            res[step] = {"status": PASS, "detail": ", ".join(sorted(run))}
        else:
            bad = sorted(t for t, o in run.items() if o != "ok")
            res[step] = {"status": FAIL, "detail": "failed: " + ", ".join(bad)}
    return res, outcomes


# --- the .NET column: wire details checked on every recorded response -----------------------

def dotnet_results(records, models):
    def by(action, ok=True):
        return [r for r in records if r.get("action") == action and (r["status"] == 200) == ok]

    def unimplemented(action):
        return any(r["body"].get("__type") == "NotImplementedException" for r in by(action, False))

    res = {s: {"status": NA, "detail": ""} for s in STEP_IDS}
    verifiers = [r for r in by("InitiateAuth") + by("AdminInitiateAuth")
                 if r["body"].get("ChallengeName") == "PASSWORD_VERIFIER"]
    if verifiers:
        bad = [r for r in verifiers if "USERNAME" not in r["body"].get("ChallengeParameters", {})]
        res["wire.srp_username"] = ({"status": PASS, "detail": f"{len(verifiers)} challenges"} if not bad else
                                    {"status": FAIL, "detail": f"{len(bad)} of {len(verifiers)} PASSWORD_VERIFIER challenges lack USERNAME"})
    elif unimplemented("InitiateAuth"):
        res["wire.srp_username"] = {"status": NOT_IMPLEMENTED, "detail": "InitiateAuth is not implemented by cognito-emu yet."}
    else:
        res["wire.srp_username"] = {"status": BLOCKED, "detail": "no PASSWORD_VERIFIER challenge was recorded"}
    creds = by("GetCredentialsForIdentity")
    if creds:
        bad = [r for r in creds if "SecretKey" not in r["body"].get("Credentials", {})
               or "SecretAccessKey" in r["body"].get("Credentials", {})]
        res["wire.secret_key"] = ({"status": PASS, "detail": f"{len(creds)} answers"} if not bad else
                                  {"status": FAIL, "detail": f"{len(bad)} answers without SecretKey"})
    elif unimplemented("GetCredentialsForIdentity"):
        res["wire.secret_key"] = {"status": NOT_IMPLEMENTED, "detail": "GetCredentialsForIdentity is not implemented by cognito-emu yet."}
    else:
        res["wire.secret_key"] = {"status": BLOCKED, "detail": "no GetCredentialsForIdentity answer was recorded (needs sign-in)"}
    stamps = []
    for r in records:
        model = models.get(r.get("service"))
        op = model and model["operations"].get(r.get("action"))
        if r["status"] == 200 and op and "output" in op:
            shapes.timestamps_in(model, op["output"]["shape"], r["body"], stamps)
    bad = [t for t in stamps if isinstance(t, bool) or not isinstance(t, (int, float))]
    res["wire.epoch_timestamps"] = ({"status": PASS, "detail": ""} if stamps and not bad else
                                    {"status": FAIL, "detail": f"{len(bad)} of {len(stamps)} timestamps not numbers"})
    return res


# --- the report ------------------------------------------------------------------------------

SYMBOL = {PASS: "✅ pass", FAIL: "❌ fail", NOT_IMPLEMENTED: "🚧 not implemented",
          BLOCKED: "⛔ blocked", NA: "—", MISSING: "⬜ no case"}


def implemented_ops():
    out = {}
    for service, path in (("cognito-idp", "src/idp/mod.rs"), ("cognito-identity", "src/identity/mod.rs")):
        src = open(os.path.join(ROOT, path)).read()
        table = src[src.index("action_table!"):]
        table = table[:table.index("}")]
        out[service] = sorted(set(re.findall(r"^\s*(\w+)\s*=>", table, re.M)))
    return out


def versions():
    pins = {}
    for line in open(os.path.join(HERE, "requirements.txt")):
        if "==" in line:
            k, v = line.strip().split("==")
            pins[k.lower()] = v
    pkg = json.load(open(os.path.join(HERE, "package.json")))["dependencies"]
    return {
        "boto3": f"boto3 {pins.get('boto3')} (botocore {pins.get('botocore')})",
        "awscli": f"awscli {pins.get('awscli')}",
        "pycognito": f"pycognito {pins.get('pycognito')}",
        "sdk-js-v3": "@aws-sdk/client-cognito-identity-provider {} + @aws-sdk/client-cognito-identity {}".format(
            pkg["@aws-sdk/client-cognito-identity-provider"], pkg["@aws-sdk/client-cognito-identity"]),
        "identity-js": f"amazon-cognito-identity-js {pkg['amazon-cognito-identity-js']}",
        "jwt-verify": f"aws-jwt-verify {pkg['aws-jwt-verify']}",
        "rust-sdk": "aws-sdk-cognitoidentityprovider / aws-sdk-cognitoidentity (conformance/, versions in Cargo.lock)",
        "dotnet-wire": "no NuGet registry here: what AWSSDK.CognitoIdentityProvider and Amazon.Extensions.CognitoAuthentication read, checked on the recorded responses",
    }


DATE_PREFIX = "Last run: "


def render(results, shape_summary, ops, models):
    clients = CATALOG["clients"]
    notes, note_ids, failing = [], {}, []
    counts = {k: 0 for k in SYMBOL}

    def cell(client, step):
        default = ({"status": NA, "detail": ""} if step.startswith("wire.") and client != "dotnet-wire"
                   else {"status": FAIL, "detail": "the journey recorded no result for this step"})
        r = results[client].get(step, default)
        counts[r["status"]] += 1
        if r["status"] == FAIL:
            failing.append((client, step, r.get("detail", "")))
        text = SYMBOL[r["status"]]
        if r["status"] in (FAIL, NOT_IMPLEMENTED, BLOCKED, MISSING) and r.get("detail"):
            key = r["detail"]
            if key not in note_ids:
                note_ids[key] = len(notes) + 1
                notes.append(key)
            text += f" [{note_ids[key]}]"
        return text

    lines = ["# Client compatibility", "",
             "Generated by `scripts/clients/compat.sh` (compat/run.py): one emulator, the same journeys",
             "through each client, every recorded response checked against the official service model.",
             "Do not edit by hand; CI regenerates this file and fails when the committed copy differs.", "",
             f"{DATE_PREFIX}DATE", "",
             "Legend: ✅ pass · ❌ fail · 🚧 not implemented (the emulator answered NotImplementedException) ·",
             "⛔ blocked (an earlier step it needs did not pass) · ⬜ no case (the Rust suite has none yet) ·",
             "— not applicable to this client. Numbers point to the notes below.", ""]
    header = "| Step | " + " | ".join(name for _, name in clients) + " |"
    sep = "|---|" + "---|" * len(clients)
    for sec in CATALOG["sections"]:
        lines += [f"## {sec['title']}", "", header, sep]
        for step, label in sec["steps"]:
            lines.append(f"| {label} | " + " | ".join(cell(c, step) for c, _ in clients) + " |")
        lines.append("")
    summary = (f"Cells: {counts[PASS]} pass, {counts[FAIL]} fail, {counts[NOT_IMPLEMENTED]} not implemented, "
               f"{counts[BLOCKED]} blocked, {counts[MISSING]} without a Rust case, {counts[NA]} not applicable.")
    lines += ["## Summary", "", summary, "", "## Response shapes", "", shape_summary, "",
              "## Operations implemented", ""]
    for service in ("cognito-idp", "cognito-identity"):
        modelled = sorted(models[service]["operations"])
        impl = [o for o in ops[service] if o in modelled]
        missing = [o for o in modelled if o not in impl]
        lines += [f"**{service}**: {len(impl)} of {len(modelled)} modelled operations implemented.", "",
                  f"- implemented: {', '.join(impl) or 'none'}",
                  f"- not implemented: {', '.join(missing) or 'none'}", ""]
    lines += ["## Clients", ""]
    for c, name in clients:
        lines.append(f"- **{name}**: {versions()[c]}")
    lines += [""] + [f"- {n}" for n in CATALOG.get("client_notes", [])]
    lines += ["", "## Notes", ""]
    lines += [f"{i}. {n}" for i, n in enumerate(notes, 1)] or ["None."]
    return "\n".join(lines) + "\n", counts, failing


def without_date(text):
    return "\n".join(l for l in text.splitlines() if not l.startswith(DATE_PREFIX))


def main():
    ap = argparse.ArgumentParser()
    # The build's target directory, as cargo chose it (CARGO_TARGET_DIR like the other stages).
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    ap.add_argument("--binary", default=os.path.join(target, "release", "cognito-emu"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "compat"))
    ap.add_argument("--rust-log", help="read this cargo test log instead of running the suite")
    ap.add_argument("--report", default=os.path.join(ROOT, "COMPATIBILITY.md"))
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    record = os.path.join(args.work, "responses.jsonl")
    if os.path.exists(record):
        os.remove(record)
    started = time.time()
    proc, url = start_emulator(args.binary, record)
    crashed = []
    try:
        fx = make_fixture(url)
        py = sys.executable
        node = "node"
        jdir = os.path.join(HERE, "journeys")
        out = lambda c: os.path.join(args.work, f"{c}.json")  # noqa: E731
        jobs = {
            "boto3": [py, os.path.join(jdir, "api_journey.py"), "boto3", json.dumps(fx), out("boto3")],
            "awscli": [py, os.path.join(jdir, "api_journey.py"), "awscli", json.dumps(fx), out("awscli")],
            "pycognito": [py, os.path.join(jdir, "pycognito_journey.py"), json.dumps(fx), out("pycognito")],
            "sdk-js-v3": [node, os.path.join(jdir, "sdk_v3.mjs"), json.dumps(fx), out("sdk-js-v3")],
            "identity-js": [node, os.path.join(jdir, "identity_js.mjs"), json.dumps(fx), out("identity-js")],
            "jwt-verify": [node, os.path.join(jdir, "jwt_verify.mjs"), json.dumps(fx), out("jwt-verify")],
        }
        results = {}
        env = dict(os.environ, NODE_PATH=os.path.join(HERE, "node_modules"))
        # Two at a time: the machine has two cores; the journeys mostly wait on each other.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            futs = {c: pool.submit(run_journey, c, cmd, out(c), env) for c, cmd in jobs.items()}
            rust_fut = pool.submit(rust_results, args.rust_log or os.path.join(args.work, "conformance.log"),
                                   not args.rust_log)
            for c, f in futs.items():
                results[c], took, bad = f.result()
                print(f"compat: {c} journey done in {took:.1f}s")
                if bad:
                    crashed.append(c)
            results["rust-sdk"], _ = rust_fut.result()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

    models = shapes.load_models()
    violations, counts = shapes.validate_file(record, models)
    records = [json.loads(l) for l in open(record) if l.strip()]
    results["dotnet-wire"] = dotnet_results(records, models)
    ops_seen = {(s, a) for (s, a, ok) in counts if ok}
    shape_summary = (f"{len(records)} responses recorded over {len({(s, a) for s, a, _ in counts})} operations "
                     f"({len(ops_seen)} with successful answers); {len(violations)} shape violations.")
    text, cell_counts, failed_cells = render(results, shape_summary, implemented_ops(), models)
    today = datetime.date.today().isoformat()
    text = text.replace(f"{DATE_PREFIX}DATE", f"{DATE_PREFIX}{today}")
    old = open(args.report).read() if os.path.exists(args.report) else ""
    stale = without_date(old) != without_date(text)
    if stale:
        with open(args.report, "w") as f:
            f.write(text)

    for v in violations:
        print(f"compat: shape violation: {v}")
    for c, s, d in failed_cells:
        print(f"compat: FAIL {c} {s}: {d}")
    print(f"compat: {cell_counts[PASS]} cells pass, {cell_counts[FAIL]} fail, "
          f"{cell_counts[NOT_IMPLEMENTED]} not implemented, {cell_counts[BLOCKED]} blocked, "
          f"{cell_counts[MISSING]} without a Rust case; {len(records)} responses, "
          f"{len(violations)} shape violations; {time.time() - started:.0f}s")
    problems = []
    if violations:
        problems.append(f"{len(violations)} shape violations")
    if failed_cells:
        problems.append(f"{len(failed_cells)} failing cells")
    if crashed:
        problems.append(f"crashed journeys: {', '.join(crashed)}")
    if stale:
        problems.append("COMPATIBILITY.md was stale: regenerated it, commit the new copy")
    if problems:
        print("compat: FAILED: " + "; ".join(problems))
        return 1
    print("compat: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
