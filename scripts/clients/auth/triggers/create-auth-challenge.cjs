// CreateAuthChallenge, CommonJS with a callback: a question whose answer stays private.
exports.handler = (event, context, callback) => {
  if (event.request.challengeName === "CUSTOM_CHALLENGE") {
    event.response.publicChallengeParameters = { question: "What is 6 x 7?" };
    event.response.privateChallengeParameters = { answer: "42" };
    event.response.challengeMetadata = "QUESTION-1";
  }
  callback(null, event);
};
