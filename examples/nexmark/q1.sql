-- Nexmark q1, "currency conversion": bid prices from dollars to euros (the suite's 0.908 rate).
-- Run: bicycle sql -f examples/nexmark/q1.sql --events 100000
SELECT auction, bidder, price * 0.908 AS price, dateTime, extra FROM bid;
