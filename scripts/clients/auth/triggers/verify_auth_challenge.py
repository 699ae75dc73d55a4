# VerifyAuthChallengeResponse in Python: the answer against the private parameters.
def lambda_handler(event, context):
    expected = event["request"]["privateChallengeParameters"].get("answer")
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event
