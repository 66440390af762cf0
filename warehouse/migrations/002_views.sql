-- podsift warehouse, views for the questions people ask. Views only: no data moves.
-- `feed` is the name a person knows the show by: the config's name, else the feed's title,
-- else its URL. Times in the views are seconds unless the column name says minutes.

-- One row per episode: where it comes from, how long it is, how much of it is ads, how many
-- facts it states, and whether it loaded.
CREATE VIEW episode_overview AS
SELECT
    e.episode_id,
    e.feed_id,
    COALESCE(f.name, f.title, f.url) AS feed,
    e.title,
    e.published_at,
    e.duration_s,
    round(e.duration_s / 60.0, 2) AS duration_min,
    COALESCE(a.ad_count, 0) AS ad_count,
    round(COALESCE(a.ad_s, 0) / 60.0, 2) AS ad_minutes,
    COALESCE(x.fact_count, 0) AS fact_count,
    COALESCE(s.segment_count, 0) AS segment_count,
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

-- One row per loaded episode: its speech with the ads left out, as one text, each segment on
-- its own line after its start time ("[01:05] ..." or "[1:02:05] ..." past the hour).
CREATE VIEW clean_transcripts AS
SELECT
    e.episode_id,
    e.feed_id,
    COALESCE(f.name, f.title, f.url) AS feed,
    e.title,
    e.published_at,
    count(*) AS segment_count,
    sum(s.end_s - s.start_s) AS speech_s,
    string_agg(
        '[' || CASE
            WHEN s.start_s >= 3600 THEN printf(
                '%d:%02d:%02d',
                CAST(floor(s.start_s / 3600) AS INTEGER),
                CAST(floor(s.start_s / 60) AS INTEGER) % 60,
                CAST(floor(s.start_s) AS INTEGER) % 60
            )
            ELSE printf(
                '%02d:%02d',
                CAST(floor(s.start_s / 60) AS INTEGER),
                CAST(floor(s.start_s) AS INTEGER) % 60
            )
        END || '] ' || trim(s.text),
        chr(10) ORDER BY s.seq
    ) AS transcript
FROM segments AS s
JOIN episodes AS e USING (episode_id)
LEFT JOIN feeds AS f ON f.feed_id = e.feed_id
WHERE NOT s.is_ad
GROUP BY e.episode_id, e.feed_id, f.name, f.title, f.url, e.title, e.published_at;

-- One row per fact, with its episode and feed, and a link that opens the audio at the moment
-- the fact is said (a W3C media fragment, `#t=SECONDS`, which browsers and most players honour).
CREATE VIEW fact_links AS
SELECT
    x.episode_id,
    x.seq AS fact_seq,
    e.feed_id,
    COALESCE(f.name, f.title, f.url) AS feed,
    e.title AS episode_title,
    e.published_at,
    x.text,
    x.start_s,
    x.end_s,
    x.score,
    x.entities,
    e.audio_url,
    regexp_replace(e.audio_url, '#.*$', '') || '#t=' || CAST(floor(x.start_s) AS BIGINT) AS link
FROM facts AS x
JOIN episodes AS e USING (episode_id)
LEFT JOIN feeds AS f ON f.feed_id = e.feed_id;

-- One row per feed and month (of publication, else of first sight) with loaded episodes: how
-- many there were, how long they ran, and how much of that was ads.
CREATE VIEW ad_minutes_by_feed_month AS
SELECT
    e.feed_id,
    COALESCE(f.name, f.title, f.url) AS feed,
    CAST(date_trunc('month', COALESCE(e.published_at, e.first_seen_at)) AS DATE) AS month,
    count(*) AS episodes,
    sum(COALESCE(a.ad_count, 0)) AS ad_count,
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

-- One row per entity a fact names (facts.entities unnested), to find every fact about a name.
CREATE VIEW fact_entities AS
SELECT
    x.episode_id,
    x.seq AS fact_seq,
    e.feed_id,
    x.entity,
    x.text,
    x.start_s,
    x.end_s
FROM (
    SELECT episode_id, seq, text, start_s, end_s, unnest(entities) AS entity FROM facts
) AS x
JOIN episodes AS e USING (episode_id);
