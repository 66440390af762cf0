-- Runs can wait for a warehouse another process holds: how many episodes they left for the
-- next run to load (their transcripts are staged).
ALTER TABLE runs ADD COLUMN episodes_deferred INTEGER DEFAULT 0;

-- Views round what people read (seconds to 0.01, scores to 0.0001) and keep counts integers,
-- in DuckDB and in `podsift export --views` alike (a sum of counts is otherwise a HUGEINT,
-- which Parquet stores as a float).
CREATE OR REPLACE VIEW episode_overview AS
SELECT
    e.episode_id,
    e.feed_id,
    COALESCE(f.name, f.title, f.url) AS feed,
    e.title,
    e.published_at,
    round(e.duration_s, 2) AS duration_s,
    round(e.duration_s / 60.0, 2) AS duration_min,
    CAST(COALESCE(a.ad_count, 0) AS BIGINT) AS ad_count,
    round(COALESCE(a.ad_s, 0) / 60.0, 2) AS ad_minutes,
    CAST(COALESCE(x.fact_count, 0) AS BIGINT) AS fact_count,
    CAST(COALESCE(s.segment_count, 0) AS BIGINT) AS segment_count,
    e.status,
    e.error,
    e.attempts,
    e.transcript_source,
    e.audio_url,
    e.updated_at
FROM episodes AS e
LEFT JOIN feeds AS f USING (feed_id)
LEFT JOIN (
    SELECT episode_id, count(*) AS ad_count, sum(end_s - start_s) AS ad_s
    FROM ad_spans GROUP BY episode_id
) AS a USING (episode_id)
LEFT JOIN (SELECT episode_id, count(*) AS fact_count FROM facts GROUP BY episode_id) AS x
    USING (episode_id)
LEFT JOIN (SELECT episode_id, count(*) AS segment_count FROM segments GROUP BY episode_id) AS s
    USING (episode_id);

-- Each segment's line starts with its time as `podsift search` prints it: "[1:05] ...", or
-- "[1:02:05] ..." past the hour.
CREATE OR REPLACE VIEW clean_transcripts AS
SELECT
    e.episode_id,
    e.feed_id,
    COALESCE(f.name, f.title, f.url) AS feed,
    e.title,
    e.published_at,
    count(*) AS segment_count,
    round(sum(s.end_s - s.start_s), 2) AS speech_s,
    string_agg(
        '[' || CASE
            WHEN s.start_s >= 3600 THEN printf(
                '%d:%02d:%02d',
                CAST(floor(s.start_s / 3600) AS INTEGER),
                CAST(floor(s.start_s / 60) AS INTEGER) % 60,
                CAST(floor(s.start_s) AS INTEGER) % 60
            )
            ELSE printf(
                '%d:%02d',
                CAST(floor(greatest(s.start_s, 0) / 60) AS INTEGER),
                CAST(floor(greatest(s.start_s, 0)) AS INTEGER) % 60
            )
        END || '] ' || trim(s.text),
        chr(10) ORDER BY s.seq
    ) AS transcript
FROM segments AS s
JOIN episodes AS e USING (episode_id)
LEFT JOIN feeds AS f ON f.feed_id = e.feed_id
WHERE NOT s.is_ad
GROUP BY e.episode_id, e.feed_id, f.name, f.title, f.url, e.title, e.published_at;

CREATE OR REPLACE VIEW fact_links AS
SELECT
    x.episode_id,
    x.seq AS fact_seq,
    e.feed_id,
    COALESCE(f.name, f.title, f.url) AS feed,
    e.title AS episode_title,
    e.published_at,
    x.text,
    round(x.start_s, 2) AS start_s,
    round(x.end_s, 2) AS end_s,
    round(x.score, 4) AS score,
    x.entities,
    e.audio_url,
    regexp_replace(e.audio_url, '#.*$', '') || '#t=' || CAST(floor(x.start_s) AS BIGINT) AS link
FROM facts AS x
JOIN episodes AS e USING (episode_id)
LEFT JOIN feeds AS f ON f.feed_id = e.feed_id;

CREATE OR REPLACE VIEW ad_minutes_by_feed_month AS
SELECT
    e.feed_id,
    COALESCE(f.name, f.title, f.url) AS feed,
    CAST(date_trunc('month', COALESCE(e.published_at, e.first_seen_at)) AS DATE) AS month,
    count(*) AS episodes,
    CAST(sum(COALESCE(a.ad_count, 0)) AS BIGINT) AS ad_count,
    round(sum(COALESCE(a.ad_s, 0)) / 60.0, 2) AS ad_minutes,
    round(sum(COALESCE(e.duration_s, 0)) / 60.0, 2) AS audio_minutes,
    round(sum(COALESCE(a.ad_s, 0)) / NULLIF(sum(e.duration_s), 0), 4) AS ad_share
FROM episodes AS e
LEFT JOIN feeds AS f USING (feed_id)
LEFT JOIN (
    SELECT episode_id, count(*) AS ad_count, sum(end_s - start_s) AS ad_s
    FROM ad_spans GROUP BY episode_id
) AS a USING (episode_id)
WHERE e.status = 'done'
GROUP BY ALL;

CREATE OR REPLACE VIEW fact_entities AS
SELECT
    x.episode_id,
    x.seq AS fact_seq,
    e.feed_id,
    x.entity,
    x.text,
    round(x.start_s, 2) AS start_s,
    round(x.end_s, 2) AS end_s
FROM (
    SELECT episode_id, seq, text, start_s, end_s, unnest(entities) AS entity FROM facts
) AS x
JOIN episodes AS e USING (episode_id);
