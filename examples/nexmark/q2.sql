-- Nexmark q2, "selection": bids on every 123rd auction (Flink's and Beam's form; see api/q2.ts for why
-- not the original fixed id list).
-- Run: bicycle sql -f examples/nexmark/q2.sql --events 100000
SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
