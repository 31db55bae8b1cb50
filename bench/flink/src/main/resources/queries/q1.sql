-- Nexmark q1 "currency conversion" (benchmark and verify variant): Flink nexmark suite text.
-- Bicycle's q1.sql writes `price * 0.908`; same value, but Flink types it DECIMAL (exact), Bicycle
-- as a JS number, so printed values may differ in the last digits / trailing zeros.
-- `dateTime` is back-quoted: it is a reserved word in Flink 2.3's SQL parser (the only change to the text).
SELECT auction, bidder, 0.908 * price as price, `dateTime`, extra FROM bid;
