-- Wrong codes answered to one challenge session (SMS/e-mail/TOTP MFA, e-mail/SMS OTP),
-- counted atomically before each code is checked so parallel guesses get no more tries
-- than serial ones.
ALTER TABLE auth_challenges ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
