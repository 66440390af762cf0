-- podsift warehouse: what an episode's last load was made with a doubt about. NULL when none
-- (and for failed or skipped episodes, whose `error` says why); otherwise one line naming each
-- doubt, `; ` between them: damaged audio packets skipped, a duration the feed declares longer
-- than the audio (whose own header agrees with what was decoded), a publisher transcript
-- (`podcast:transcript`) that could not be fetched or parsed.
ALTER TABLE episodes ADD COLUMN warning VARCHAR;
