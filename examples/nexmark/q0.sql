-- Nexmark q0, "pass-through": every bid, projected (measures the source and sink overhead).
-- Run: bicycle sql -f examples/nexmark/q0.sql --events 100000
SELECT auction, bidder, price, dateTime, extra FROM bid;
