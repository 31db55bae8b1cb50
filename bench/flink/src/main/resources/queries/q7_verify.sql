-- Nexmark q7 "highest bid", VERIFY variant: the semantics of Bicycle's examples/nexmark/q7.sql (per
-- 10 s tumbling window the bid(s) with the highest price, ties kept, a bid belongs to its own window
-- only; columns auction, price, bidder, dateTime, extra). Bicycle writes it as a window Top-N with
-- RANK() = 1, which Flink 2.3 rejects ("RANK() function is not supported on Window TopN currently,
-- only ROW_NUMBER() is supported"; ROW_NUMBER would drop ties), so here it is the equivalent window
-- join of the windowed bids with their window's maximum price.
-- `dateTime` is back-quoted: it is a reserved word in Flink 2.3's SQL parser.
SELECT B.auction, B.price, B.bidder, B.`dateTime`, B.extra
FROM (
  SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
) B
JOIN (
  SELECT MAX(price) AS maxprice, window_start, window_end
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end
) M
ON B.window_start = M.window_start AND B.window_end = M.window_end AND B.price = M.maxprice;
