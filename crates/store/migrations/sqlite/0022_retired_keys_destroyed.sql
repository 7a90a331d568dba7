-- Issue 20: a retired credential's key never signs again, so it is destroyed: the sealed
-- private half of every credential retired before this version is erased (retire_credential
-- erases it from now on).
UPDATE credentials SET sealed_private = X'' WHERE retired_at IS NOT NULL;
