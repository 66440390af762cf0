"""An experiment of issue 24, kept to be measured again: a learned ad detector (hashed words,
cue and place features, a second stage over neighbours' scores and the rules' reading, a
sequence step) fitted on the real labelled episodes. Leave-one-show-out on the real shows it
scored below the shipped rules detector (docs/ads.md, "The learned detector"), so podsift does
not ship it. `python bench/ads.py --learned` refits and scores it.
"""
