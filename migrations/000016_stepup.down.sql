DROP TABLE step_up_challenges;
DROP TABLE totp_credentials;
