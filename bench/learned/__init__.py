"""Fitting the learned ad detector (issue 24): `fit.py` fits `podsift.tasks.ads.learned`'s model
on the real labelled episodes and writes `tasks/ads/data/ads_model.npz`; `embeddings.py` caches
the sentences' embeddings for it. `python bench/ads.py` scores it leave-one-show-out.
"""
