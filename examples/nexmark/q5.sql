-- Nexmark q5, "hot items": per sliding window of 10 s every 2 s, the auction(s) with the most bids.
-- Flink's nexmark text: bid counts per auction and window (AuctionBids) joined with the largest count
-- per window (MaxBids) on the same window and num >= maxn, so ties all appear. MaxBids aggregates the
-- windowed counts again per window (a window aggregation over a window aggregation), and the join is a
-- window join. We also select the window bounds (Flink's q5 selects only auction, num).
-- Run: bicycle sql -f examples/nexmark/q5.sql --events 100000
SELECT AuctionBids.auction, AuctionBids.num, AuctionBids.starttime, AuctionBids.endtime
FROM (
  SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
  GROUP BY auction, window_start, window_end
) AS AuctionBids
JOIN (
  SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
  FROM (
    SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime
    FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
    GROUP BY auction, window_start, window_end
  ) AS CountBids
  GROUP BY CountBids.starttime, CountBids.endtime
) AS MaxBids
ON AuctionBids.starttime = MaxBids.starttime
  AND AuctionBids.endtime = MaxBids.endtime
  AND AuctionBids.num >= MaxBids.maxn;
