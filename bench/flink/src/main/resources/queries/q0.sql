-- Nexmark q0 "pass-through" (benchmark and verify variant): Flink nexmark suite text, identical
-- to Bicycle's examples/nexmark/q0.sql.
-- `dateTime` is back-quoted: it is a reserved word in Flink 2.3's SQL parser (the only change to the text).
SELECT auction, bidder, price, `dateTime`, extra FROM bid;
