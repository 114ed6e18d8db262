-- Attributes Tencent EIAM keeps per user: expiry, forced password reset, and where the user came from.
ALTER TABLE users ADD COLUMN expiration_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pwd_need_reset BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN data_source TEXT NOT NULL DEFAULT 'idplane';
