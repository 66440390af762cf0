-- podsift warehouse: `episode_overview` shows each episode's `warning` (migration 006) beside
-- its `error`, so the overview says which episodes loaded with a doubt.
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
    e.warning,
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
