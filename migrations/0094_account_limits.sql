-- UpdateProvisionedLimit: the account's provisioned request rate per API category (account
-- level, not per pool). Categories never raised are absent and answer their free rate.
CREATE TABLE provisioned_limits (
    category TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL,
    updated REAL NOT NULL
) WITHOUT ROWID;
