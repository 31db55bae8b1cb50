-- Nexmark q11 "user sessions" (benchmark and verify variant): Flink nexmark suite text (legacy
-- GROUP BY SESSION group window), the same query as Bicycle's examples/nexmark/q11.sql
-- (columns bidder, bid_count, starttime, endtime).
-- `dateTime` is back-quoted: it is a reserved word in Flink 2.3's SQL parser (the only change to the text).
SELECT
    B.bidder,
    count(*) as bid_count,
    SESSION_START(B.`dateTime`, INTERVAL '10' SECOND) as starttime,
    SESSION_END(B.`dateTime`, INTERVAL '10' SECOND) as endtime
FROM bid B
GROUP BY B.bidder, SESSION(B.`dateTime`, INTERVAL '10' SECOND);
