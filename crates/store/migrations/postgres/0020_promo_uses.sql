-- A promo code's uses are reserved when an order is placed with it, not counted at payment
-- (issue 18 item 8: ten parallel orders all paid with a one-use code). A renewal holds at most
-- one use of a code however many orders it places with it; the use goes back when the renewal
-- is paid another way, with another code, or ends unpaid. `promo_codes.uses` counts the uses
-- held and spent, and is only raised while it is below `max_uses`, in one statement.
CREATE TABLE promo_uses (
    promo_code  TEXT NOT NULL REFERENCES promo_codes(code),
    renewal_id  TEXT NOT NULL REFERENCES renewals(id),
    reserved_at BIGINT NOT NULL,
    PRIMARY KEY (promo_code, renewal_id)
);
CREATE INDEX promo_uses_renewal ON promo_uses(renewal_id);

-- The acquirer's checkout page of an open order, while it lasts: a second "pay by card" for the
-- same renewal, method and price goes back to it instead of leaving another unpaid order.
ALTER TABLE orders ADD COLUMN checkout_url TEXT;
ALTER TABLE orders ADD COLUMN checkout_expires_at BIGINT;

-- The certificate a card's certificate renewed is looked up by its successor (issue 18: a card
-- client stopped at its very end learns from the server that its work is done).
CREATE INDEX certificates_superseded_by ON certificates(superseded_by);
