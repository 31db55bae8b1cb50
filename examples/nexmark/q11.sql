-- Nexmark q11, "user sessions": bids per bidder per session of activity, a session closing after 10 s
-- without a bid (Flink's nexmark text, with the group-window functions of GROUP BY SESSION(...)).
-- Run: bicycle sql -f examples/nexmark/q11.sql --events 100000
SELECT B.bidder, COUNT(*) AS bid_count,
  SESSION_START(B.dateTime, INTERVAL '10' SECOND) AS starttime,
  SESSION_END(B.dateTime, INTERVAL '10' SECOND) AS endtime
FROM bid B
GROUP BY B.bidder, SESSION(B.dateTime, INTERVAL '10' SECOND);
