-- The outbox message that carried a challenge's last code (issue 18 item 5): a code the holder
-- never received (its SMS not delivered yet, or given up) does not count against the limit of
-- codes sent for the operation when it is replaced.
ALTER TABLE otp_challenges ADD COLUMN message_id TEXT;
