-- Nexmark q7, "highest bid": per 10 s tumbling window, the bid(s) with the highest price, ties all
-- kept. Written as Flink's window Top-N (RANK() over the window, rank 1). Flink's nexmark text joins
-- each bid with the window maxima on `dateTime BETWEEN rowtime - 10 s AND rowtime`, which also accepts
-- a bid 1 ms before its window when its price equals that window's max; here a bid belongs to its own
-- window [start, end) only, as in the CQL original, Beam and api/q7.ts.
-- Run: bicycle sql -f examples/nexmark/q7.sql --events 100000
SELECT auction, price, bidder, dateTime, extra
FROM (
  SELECT *, RANK() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rk
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
)
WHERE rk <= 1;
