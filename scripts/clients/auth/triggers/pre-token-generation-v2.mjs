// PreTokenGeneration V2_0: a claim in both tokens and a scope in the access token.
export const handler = async (event) => {
  event.response = {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: { claimsToAddOrOverride: { tier: "gold" } },
      accessTokenGeneration: {
        claimsToAddOrOverride: { tier: "gold", tenant: "acme" },
        scopesToAdd: ["orders/read"],
      },
    },
  };
  return event;
};
