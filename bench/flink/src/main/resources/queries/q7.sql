-- Nexmark q7 "highest bid", BENCHMARK variant: Flink nexmark suite text (an interval join of bids
-- with the per-10 s-window maximum price; accepts a bid 1 ms before its window whose price equals
-- that window's max). The verify variant (q7_verify.sql) has the semantics of Bicycle's window Top-N.
-- `dateTime` is back-quoted: it is a reserved word in Flink 2.3's SQL parser (the only change to the text).
SELECT B.auction, B.price, B.bidder, B.`dateTime`, B.extra
from bid B
JOIN (
  SELECT MAX(B1.price) AS maxprice, TUMBLE_ROWTIME(B1.`dateTime`, INTERVAL '10' SECOND) as `dateTime`
  FROM bid B1
  GROUP BY TUMBLE(B1.`dateTime`, INTERVAL '10' SECOND)
) B1
ON B.price = B1.maxprice
WHERE B.`dateTime` BETWEEN B1.`dateTime`  - INTERVAL '10' SECOND AND B1.`dateTime`;
