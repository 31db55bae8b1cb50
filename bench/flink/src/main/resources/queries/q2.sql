-- Nexmark q2 "selection" (benchmark and verify variant): Flink nexmark suite text, identical to
-- Bicycle's examples/nexmark/q2.sql.
SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
