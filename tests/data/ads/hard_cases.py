"""Hard cases for the ad detector: invented episodes of five invented shows.

Every show, host, guest, company and advertiser here is made up for the tests, and so is every
word. Each show has plain conversation blocks that are hard negatives on their own (a product
review with its price and web address, a book recommendation, a guest naming their own company
and how to reach them, a true-crime tip line and helpline, a mailbag thanking the show's
patrons) and ads that are hard positives (a short sponsor tag, a host read with a spoken web
address, a brand-only host read, a read opening on a story, back-to-back inserted spots, a spot
in a radio register with no web address, a promo for another show of the same network).

What counts as an ad follows DESIGN.md / issue 3 and the dev corpus's labels: sponsor reads,
inserted spots and promos for other shows are ads; the show's own Patreon, merch, tour, site,
newsletter and e-mail are not. A hand-over ("let's take a quick break") is the show's; the
read starts at its first sentence, story opening included, and ends at its last call to action.

Block kinds: ("show", text) is conversation; ("read", text) a host-read ad, said in the flow of
the show with no splice; ("ad", text) an inserted spot, with a splice pause on either side.
"""

from __future__ import annotations

from typing import Any

# --- Patch Notes: a daily tech-news show -----------------------------------------------------

PATCH_INTRO = (
    "This is Patch Notes for Tuesday, the tech news you need in twenty minutes. I'm Lena Ortiz. "
    "And I'm Marcus Bell. Lots to get through today: a pair of headphones that costs more than "
    "my first car, new rules for influencers, and a satellite that refuses to come down. Let's "
    "start with the headphones, Marcus, because you have had them on your head for a week."
)

# Hard negative: a product review with its price, where to buy it, and its web address.
PATCH_REVIEW = (
    "I have, and I'm a little in love. These are the Corvid Studio Two, the new over-ear "
    "headphones from Corvid Audio. They cost three hundred and forty nine dollars, which is a "
    "lot, and they go on sale this Friday at corvidaudio.com and at the big electronics chains. "
    "The noise cancelling is the best I have tried this year. On a train I could not hear the "
    "announcements, which is either a feature or a safety problem. Battery life is about thirty "
    "hours, and a five minute charge gets you three more. The downside is the weight. After two "
    "hours my ears were sore, and the case is enormous. So who are they for? If you fly a lot "
    "and you were going to spend this kind of money anyway, the Corvid Studio Two is worth a "
    "listen. If you commute on a bus, the cheaper Corvid model at one hundred and ninety nine "
    "dollars does ninety percent of the job. Our full review is up on the Patch Notes website."
)

PATCH_BREAK = (
    "Okay, let's take a quick break, and when we come back, the new rules for influencers."
)

# Hard negative: a news story about advertising that says "sponsored by" and "discount code".
PATCH_FTC = (
    "Story two. The Federal Trade Commission has new guidance for influencers and the brands "
    "that pay them. If a video is sponsored by a company, the creator has to say so out loud in "
    "the first thirty seconds, not bury it in the description. A paid promotion label in small "
    "print no longer counts. The agency also went after fake reviews. Companies that pay for "
    "five star reviews can now be fined up to fifty thousand dollars per review. Lena, is anyone "
    "going to enforce this? They say they will. They fined a supplement company last month for "
    "a campaign where creators used a discount code without saying they were paid for it. My "
    "guess is the big agencies tighten up and the small accounts never hear about it. And "
    "podcasts are in scope too, so hello, this is us, telling you that this segment is not "
    "sponsored by anyone."
)

PATCH_SATELLITE = (
    "Finally, the satellite. A weather satellite launched in the nineties was supposed to fall "
    "back into the atmosphere this week and burn up over the Pacific. It did not. Its orbit "
    "turned out to be a little higher than the models said, so it will keep circling for "
    "another few months. Nobody is in danger, the agency says, and most of the satellite will "
    "burn up when it does come down. What I love is that the team that built it retired years "
    "ago, and a couple of them have been posting old photos of the build. One of them said the "
    "satellite was designed to last three years and it has done twenty seven. They don't make "
    "them like that anymore. Well, they do, they just make them to last three years."
)

# Hard negative: the show's own Patreon, thanks to patrons, the show's e-mail.
PATCH_OUTRO = (
    "That's the show for today. Patch Notes is made possible by listeners like you. A big thank "
    "you to our newest patrons, Harriet, Okafor, and somebody called Toaster Prime. If you want "
    "to join them, go to patreon.com slash patchnotes, where supporters get the show early and "
    "without ads. You can also email us at mail at patchnotes dot fm with your questions. "
    "Tomorrow, Lena is back with the chip news. See you then."
)

# Hard positive: a 10-15 s sponsor tag at the very start.
PATCH_TAG = (
    "Patch Notes is supported by Tallyhouse, the payroll app for small teams. Run payroll in "
    "minutes and pay people in any country. Tallyhouse dot com slash patch."
)

# Hard positive: a host read with a spoken web address and no lexicon brand.
PATCH_READ = (
    "This part of the show comes to you from Brightline VPN. I travel a lot for this job, and "
    "hotel wifi is usually wide open. Brightline encrypts everything between your laptop and "
    "the internet, so nobody on the same network can see what you're doing. It also lets you "
    "watch your home streaming library when you're abroad, which has saved me on a few long "
    "layovers. It works on your phone, your laptop and your TV, up to ten devices on one "
    "account. Right now Patch Notes listeners get four extra months free on a two year plan. "
    "Go to brightline dot com slash patch notes. That's brightline dot com slash patch notes."
)

# --- The Long Shelf: books and films --------------------------------------------------------

SHELF_INTRO = (
    "Hello and welcome to The Long Shelf, the podcast where we read the books so you can feel "
    "bad about not reading them. I'm Ruth Adair. And I'm Idris Kone. This month we're talking "
    "about sea stories, because Idris spent his holiday on a ferry and came back a changed "
    "man. I did. Four days on a ferry with no signal will do that. I read three books and "
    "watched one very strange film on my laptop, and I want to tell everyone about all of them."
)

# Hard negative: an unpaid recommendation with a price and where to buy the book.
SHELF_BOOK = (
    "So the first one is The Salt Ledger by Maren Holt. It's a novel about a lighthouse "
    "keeper's daughter who keeps the accounts for a shipping company in the eighteen eighties, "
    "and slowly works out from the numbers that the ships are being wrecked on purpose. It "
    "sounds dry. It is not dry. It's a thriller told through receipts. Ruth, you read it too. "
    "I did, and I stayed up until two in the morning finishing it. The paperback came out last "
    "week, it's about sixteen dollars, and if you can, buy it from your local bookshop, or from "
    "bookshop dot org, which sends some of the money to independent shops. Nobody is paying us "
    "to say this, by the way. We just loved it. If you only read one book from this episode, "
    "read The Salt Ledger. Go get it."
)

SHELF_FILM = (
    "The film is the strange one. It's called Low Water, it's a Norwegian film from a few "
    "years ago, and it's streaming now on Mubi, or you can rent it in the usual places for "
    "about four dollars. It's two hours of a fisherman and his brother not speaking to each "
    "other, and then the last ten minutes destroy you. I watched it twice on the ferry. The "
    "second time a man next to me started watching over my shoulder, and by the end he was "
    "crying too. That's the best review I can give a film. A stranger on a ferry cried at it. "
    "Put that on the poster."
)

SHELF_DISCUSS = (
    "Why do sea stories work so well? I think it's the closed room. A ship is a locked room "
    "that moves. Everybody is stuck together, there are no police, no phone, and the weather "
    "is a character. The Salt Ledger does that on land, which is clever, because the "
    "lighthouse is a ship that never leaves. And Low Water does it with a fishing boat that's "
    "too small for two brothers who hate each other. The third book I read on the ferry was a "
    "history, Wrecks of the North Sea by Tomas Berg, which is a catalogue of shipwrecks, and "
    "somehow it was the most relaxing of the three. Each chapter is one wreck, four pages long, "
    "and you know by the end whether everyone survived. It's the perfect ferry book."
)

SHELF_OUTRO = (
    "That's it for this month. Next month we're reading ghost stories, so get a copy of The "
    "Quiet House by Anna Vale, and send us your own ghost stories at hello at thelongshelf dot "
    "com. If you enjoyed the show, tell a friend who reads. Thanks for listening to The Long "
    "Shelf, and happy reading."
)

# Hard positive: a brand-only host read, no web address, no code.
SHELF_READ = (
    "This episode is brought to you by Quillmark. Quillmark makes notebooks for people who "
    "actually write in notebooks. The paper is thick enough for a fountain pen, it lies flat "
    "when you open it, and there's a little pocket in the back for receipts and train tickets. "
    "I've been using one for months now for my reading notes, and it's the first notebook I've "
    "ever finished instead of abandoning halfway. Ruth has stolen two of mine. I have. They're "
    "good notebooks. Quillmark. Notebooks worth finishing."
)

# --- Small Batch: an interview show about makers ---------------------------------------------

BATCH_INTRO = (
    "Welcome to Small Batch, the show about people who make things by hand and somehow make a "
    "living from it. I'm Nadia Park. My guest today started throwing pots in his garage during "
    "a very long winter, and now runs a studio with eleven people. Tom Reyes of Kiln and Crow "
    "Ceramics, welcome to the show. Thanks, Nadia, it's good to be here. I've listened to this "
    "show for years, so this is a little strange."
)

BATCH_START = (
    "Take me back to the garage. What was the first thing you made? A terrible mug. It leaked. "
    "I still have it on my desk, I keep pens in it, because pens don't mind. I'd lost my job at "
    "a print shop, and my wife bought me a secondhand wheel for forty dollars at a church sale. "
    "I watched videos every night and threw pot after pot, and most of them went straight back "
    "into the clay bucket. After about six months I had a shelf of pots I wasn't ashamed of, and "
    "a neighbour asked if she could buy a set of bowls. That was the first sale. Twenty five "
    "dollars for four bowls. I was thrilled. I've since worked out I lost money on every one of "
    "those bowls."
)

BATCH_BREAK = (
    "I want to hear how those bowls turned into a studio of eleven people. But first, let's "
    "take a quick break."
)

# Hard negative: the guest's own company, web address, e-mail and opening hours.
BATCH_COMPANY = (
    "So how did the bowls turn into Kiln and Crow? Slowly, then all at once. I started selling "
    "at the farmers market on Saturdays, then a restaurant in town asked for two hundred "
    "plates, and that was when I had to hire my first person. Now we make dinnerware for about "
    "forty restaurants, and we sell online at kilnandcrow dot com. Everything on the site is "
    "made to order, so it takes about six weeks to ship. People ask why it takes so long, and "
    "it's because we fire the kiln twice a week and every plate goes through the kiln twice. If "
    "a restaurant wants to work with us, the best way is to email me directly, tom at "
    "kilnandcrow dot com, or just come by the studio in Ashford. We're open to visitors on "
    "Friday afternoons, and there's usually coffee."
)

BATCH_PRICING = (
    "What was the hardest part of going from one person to eleven? Pricing. When it's just you, "
    "you don't count your own hours. When you have a team, every plate has to pay for the "
    "people who made it, and the clay, and the gas for the kiln, and the rent on the studio. I "
    "raised my prices three times in two years, and every time I was sure the restaurants would "
    "leave. None of them did. One chef told me I'd been too cheap for years and he'd been "
    "waiting for me to notice. The other hard part is letting other people make the plates. My "
    "name is on every plate. But my team throws better plates than I do now, and I had to learn "
    "to say so."
)

BATCH_OUTRO = (
    "Tom, where can people find you? On Instagram we're at kiln and crow, and the website is "
    "kilnandcrow dot com. We're doing an open studio weekend in May, and anyone who listens to "
    "this show is welcome to come and throw a pot. Thank you, Tom. Thanks, Nadia. That's it for "
    "Small Batch this week. If you know a maker we should talk to, send us a note at hello at "
    "smallbatchshow dot com. See you next time."
)

# Hard positive: a host read that opens on a story and names its sponsor only halfway through.
BATCH_READ = (
    "Here's something nobody tells you when you start making things for money: the paperwork "
    "is the real job. For the first two years of this show, my receipts lived in a shoebox "
    "under my desk, and every April I lost a whole week to them. I'd sit on the floor with a "
    "calculator and a bad attitude. That changed when I started using Ledgerly, and I'm really "
    "glad Ledgerly is sponsoring this episode. Ledgerly connects to your bank account and your "
    "card reader, sorts every sale and every expense as it happens, and at tax time it hands "
    "your accountant one tidy report. You can snap a photo of a receipt and throw the paper "
    "away. For makers who sell at markets, it even tracks cash sales from your phone. Small "
    "Batch listeners get their first three months for one dollar at ledgerly dot com slash "
    "small batch. That's ledgerly dot com slash small batch."
)

# --- Cold Files: a true-crime show ----------------------------------------------------------

COLD_INTRO = (
    "From the Harrow Valley, this is Cold Files. I'm Dana Whitcomb. In the autumn of nineteen "
    "ninety eight, a nineteen year old named Carrie Moss finished her shift at a diner on Route "
    "Nine, waved goodbye to the cook, and walked out to her car. The car was found the next "
    "morning, two miles away, with the keys in the ignition and her apron folded on the "
    "passenger seat. Carrie was never seen again. For twenty five years, her sister Lynn has "
    "kept a folder of everything anyone has ever told her about that night. This week, she "
    "opened the folder for us."
)

COLD_CASE1 = (
    "The first thing in the folder is a map. Lynn drew it herself the week Carrie disappeared, "
    "with every place her sister might have gone. The diner, the gas station, the bridge over "
    "Mill Creek, the apartment Carrie shared with a roommate named Jess. Lynn walked every road "
    "on that map with a flashlight. The police, she says, were polite and slow. For the first "
    "three days they told the family Carrie was an adult and had probably left town with a "
    "boyfriend. She didn't have a boyfriend, Lynn told me. She had a cat and a night class in "
    "accounting. Carrie was not the kind of person who leaves a cat."
)

COLD_CASE2 = (
    "The second thing in the folder is a statement from a truck driver. He was parked at the "
    "gas station at around eleven that night, and he saw a woman in a diner uniform talking to "
    "someone through the window of a pale blue pickup. He remembered it because the woman "
    "laughed, and then stopped laughing. He told the state police, and they wrote it down, and "
    "as far as Lynn can tell, nobody ever followed it up. The truck driver died in two thousand "
    "twelve. His daughter still has his logbooks, and last year she let Lynn photograph the "
    "page from that night. There is one line written in the margin. Blue Ford, Mill Creek "
    "plates."
)

COLD_CASE3 = (
    "Mill Creek plates matter, because in nineteen ninety eight the county printed the town "
    "name at the bottom of every plate. So whoever was in that truck was local. Lynn took that "
    "line from the logbook to the sheriff's office last spring. A new detective, Sergeant Ana "
    "Ruiz, has reopened the file on Carrie. She wouldn't tell us much, only that there are "
    "people still living in the valley who have never been interviewed, and that she would "
    "like to talk to them. If you lived near Route Nine in the fall of ninety eight, and you "
    "remember a pale blue Ford pickup, Sergeant Ruiz wants to hear from you."
)

# Hard negative: a sheriff's tip line and a helpline, phone numbers read twice, "call now".
COLD_HELPLINE = (
    "If you have any information about the disappearance of Carrie Moss, call the Harrow "
    "County Sheriff's tip line at 1-800-555-0173, that's 1-800-555-0173, or email tips at "
    "harrowsheriff dot gov. You can stay anonymous. And if this story brought up something "
    "difficult for you, or someone you love is missing, you don't have to carry it alone. Call "
    "the National Missing Persons Helpline at 1-800-555-0134, any time, day or night. It's "
    "free and confidential. Cold Files is written and produced by me, Dana Whitcomb. Thanks "
    "for listening."
)

# Hard positive: an inserted spot in a radio register, no web address, no code, no small print.
COLD_SPOT = (
    "Brightway Windows. Winter is coming, and those old windows are letting your heat right "
    "out the door. Brightway fits energy saving windows in just one day, with no mess and "
    "nothing to pay for twelve months. Book your free home survey this month, and your fourth "
    "window is on us. Brightway Windows. Warmer starts here."
)

# Hard positive: two inserted spots from different advertisers, back to back.
COLD_MEALS = (
    "Meal planning shouldn't feel like a second job. With Forkful, you pick five dinners on "
    "Sunday, and everything you need shows up on your doorstep on Monday, already measured out. "
    "No more half bottles of fish sauce dying in the back of the fridge. Recipes take thirty "
    "minutes or less, and there are options for vegetarians, picky kids, and people who think "
    "they can't cook. Get sixty percent off your first box and free shipping for a month at "
    "forkful dot com slash cold. Forkful. Dinner, sorted."
)

COLD_BANK = (
    "This is a message from Kestrel Bank. At Kestrel, your savings account earns four point "
    "one percent, with no fees and no minimum balance. Open an account in five minutes from "
    "your phone, and move your money whenever you like. Kestrel Bank. Member FDIC. Rate "
    "accurate as of the first of this month and may change at any time."
)

# --- Second Coffee: a chatty advice show, mailbag week ----------------------------------------

COFFEE_INTRO = (
    "Hi, welcome to Second Coffee, the advice show from two people who should not be giving "
    "advice. I'm Bea. I'm Theo. It's mailbag week, which means we read your emails and pretend "
    "we know what we're doing. Before we start, a huge thank you to everyone who supports us "
    "on Patreon. This month we passed two thousand patrons, which is wild. Shout out to our "
    "newest patrons, Carlos in Leeds, Mina, and a person who signed up as The Real Theo, which "
    "is upsetting. If you want to join them, it's patreon dot com slash second coffee, and you "
    "get a bonus episode every week."
)

COFFEE_MAIL1 = (
    "First email. Hi Bea and Theo, I just started a new job and my manager keeps scheduling "
    "meetings at seven thirty in the morning. I'm not a morning person. How do I say something "
    "without sounding lazy? Signed, Asleep in Accounts. Okay, Asleep. First, you're not lazy. "
    "Theo? Ask for one thing, not everything. Say the early meetings are hard for you, and ask "
    "if the weekly one could move to nine. Most managers book early meetings because that's the "
    "only empty slot in their calendar, not because they love the dawn. And bring a coffee to "
    "the meeting. A big one. Second coffee, even."
)

# Hard negative: a listener praises a product the hosts own; nobody paid.
COFFEE_MAIL2 = (
    "Next one is from Priya. She writes: I took your advice from last year and bought a sunrise "
    "alarm clock, the Dawnlight one, and I have been waking up like a Disney princess ever "
    "since. Thank you. Priya, we did not know we gave that advice, but we'll take the credit. "
    "For the record, nobody paid us for that, we just both have a sunrise alarm clock. Mine was "
    "about forty dollars. It's the best forty dollars I have ever spent. Theo's is a cheap one "
    "he bought at a petrol station, and it's basically a torch that turns on slowly."
)

COFFEE_MAIL3 = (
    "Last email. Dear Second Coffee, my best friend is getting married and asked me to give a "
    "speech, but I'm terrified of public speaking. Help. Okay, three rules. One, write the "
    "speech down, the whole thing, and read it. Nobody cares if you read it. Two, keep it under "
    "four minutes. Nobody has ever complained that a wedding speech was too short. Three, one "
    "story, one joke, one toast. That's it. Don't do the dictionary definition of love. Please. "
    "Theo did the dictionary definition of love at my wedding. I did, and I stand by it."
)

# Hard negative: the show's own tour, tickets on sale, mugs in its shop.
COFFEE_OUTRO = (
    "That's the mailbag. We are going on tour in the spring, which is terrifying, and tickets "
    "are on sale now at second coffee show dot com slash tour. We'll be in Bristol, Manchester "
    "and Glasgow. We also finally have mugs, obviously, and they're in our shop. Send us your "
    "problems at mail at second coffee show dot com. Thanks for listening, and go get a second "
    "coffee."
)

# Hard positive: a promo for another show of the same network.
COFFEE_NETWORK_PROMO = (
    "Hi, I'm Greta Lund, host of Second Shift, a new show from the Fieldwave network about "
    "people who changed careers after forty. A nurse who became a carpenter. A banker who now "
    "runs a goat farm and is much happier about it. Every week, one person, one big leap, and "
    "what it really cost them. Second Shift. New episodes every Thursday, on the Fieldwave app "
    "or wherever you listen."
)

# Hard positive: an inserted spot in the middle of the show, its own voice, no web address.
COFFEE_SPOT = (
    "Tired of waking up tired? The Harlow Hybrid mattress has seven zones of support and a "
    "cooling cover that actually stays cool. Sleep on it for a hundred nights, and if you don't "
    "love it, we'll pick it up for free. The Harlow Hybrid is in stores now at Dreamwell Beds "
    "across the country. Harlow. Sleep like you mean it."
)


def _show(*texts: str) -> list[tuple[str, str]]:
    return [("show", t) for t in texts]


HARD_EPISODES: dict[str, dict[str, Any]] = {
    # Hard negatives: no ad in any of these.
    "neg_tech_review_ftc": {
        "blocks": _show(PATCH_INTRO, PATCH_REVIEW, PATCH_FTC, PATCH_SATELLITE, PATCH_OUTRO),
        "reasons": [],
        "long_segments": True,
    },
    "neg_book_recommendation": {
        "blocks": _show(SHELF_INTRO, SHELF_BOOK, SHELF_FILM, SHELF_DISCUSS, SHELF_OUTRO),
        "reasons": [],
    },
    "neg_guest_company": {
        "blocks": _show(BATCH_INTRO, BATCH_START, BATCH_COMPANY, BATCH_PRICING, BATCH_OUTRO),
        "reasons": [],
        "long_segments": True,
    },
    "neg_helpline": {
        "blocks": _show(COLD_INTRO, COLD_CASE1, COLD_CASE2, COLD_CASE3, COLD_HELPLINE),
        "reasons": [],
    },
    "neg_mailbag_patreon": {
        "blocks": _show(COFFEE_INTRO, COFFEE_MAIL1, COFFEE_MAIL2, COFFEE_MAIL3, COFFEE_OUTRO),
        "reasons": [],
        "long_segments": True,
    },
    # Hard positives, each among the same hard negatives.
    "pos_tag_and_spoken_url": {
        "blocks": [
            ("ad", PATCH_TAG),
            *_show(PATCH_INTRO, PATCH_REVIEW, PATCH_BREAK),
            ("read", PATCH_READ),
            *_show(PATCH_FTC, PATCH_SATELLITE, PATCH_OUTRO),
        ],
        "reasons": ["URL"],
        "long_segments": True,
    },
    "pos_brand_only_read": {
        "blocks": [
            *_show(SHELF_INTRO, SHELF_BOOK),
            ("read", SHELF_READ),
            *_show(SHELF_FILM, SHELF_DISCUSS, SHELF_OUTRO),
        ],
        "reasons": ["sponsor lead-in"],
    },
    "pos_story_preamble_read": {
        "blocks": [
            *_show(BATCH_INTRO, BATCH_START, BATCH_BREAK),
            ("read", BATCH_READ),
            *_show(BATCH_COMPANY, BATCH_PRICING, BATCH_OUTRO),
        ],
        "reasons": ["URL ledgerly.com"],
        "long_segments": True,
    },
    "pos_back_to_back_spots": {
        "blocks": [
            ("ad", COLD_SPOT),
            *_show(COLD_INTRO, COLD_CASE1, COLD_CASE2),
            ("ad", COLD_MEALS),
            ("ad", COLD_BANK),
            *_show(COLD_CASE3, COLD_HELPLINE),
        ],
        "reasons": [],
        "merge": [[1, 2]],  # one ad break: the two spots are one span, as the dev labels have
    },
    # The story says "Lynn" three times in a minute between pauses too: only the spot sells.
    "pos_spot_among_names": {
        "blocks": [
            *_show(COLD_INTRO, COLD_CASE1),
            ("ad", COLD_SPOT),
            *_show(COLD_CASE2, COLD_HELPLINE),
        ],
        "reasons": ["spliced-in spot"],
        "long_segments": True,
    },
    "pos_network_promo": {
        "blocks": [
            *_show(COFFEE_INTRO, COFFEE_MAIL1),
            ("ad", COFFEE_NETWORK_PROMO),
            *_show(COFFEE_MAIL2, COFFEE_MAIL3, COFFEE_OUTRO),
        ],
        "reasons": ["promo for another show"],
        "long_segments": True,
    },
    "pos_inserted_spot_midroll": {
        "blocks": [
            *_show(COFFEE_INTRO, COFFEE_MAIL1, COFFEE_MAIL2),
            ("ad", COFFEE_SPOT),
            *_show(COFFEE_MAIL3, COFFEE_OUTRO),
        ],
        "reasons": [],
    },
}
