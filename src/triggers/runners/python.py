# cognito-emu's Python runner: loads one Lambda handler module and answers invocations, one
# JSON line per event on stdin, one JSON line per result on stdout. The handler's own output
# (print and logging) goes to stderr so it cannot corrupt the protocol.
# Usage: python3 runner.py <module file> <function name>
import importlib.util
import json
import os
import sys
import time

protocol = sys.stdout
sys.stdout = sys.stderr

path, func_name = sys.argv[1], sys.argv[2]
function_name = os.path.splitext(os.path.basename(path))[0]


class Context:
    def __init__(self, request_id, deadline):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(request_id)
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "cognito-emu"
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def load():
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location(function_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, func_name, None)
    if not callable(fn):
        raise AttributeError(f"{path} has no function named {func_name}")
    return fn


try:
    handler = load()
    load_error = None
except Exception as e:  # reported on every invocation, like a Lambda init error
    handler, load_error = None, e

for line in sys.stdin:
    if not line.strip():
        continue
    try:
        request = json.loads(line)
    except ValueError:
        continue
    rid = request.get("id")
    deadline = time.time() + request.get("timeout_ms", 5000) / 1000
    try:
        if load_error is not None:
            raise load_error
        result = handler(request.get("event"), Context(rid, deadline))
        answer = {"id": rid, "result": result}
    except Exception as e:
        answer = {"id": rid, "error": {"errorMessage": str(e), "errorType": type(e).__name__}}
    protocol.write(json.dumps(answer) + "\n")
    protocol.flush()
