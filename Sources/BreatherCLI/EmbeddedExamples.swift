/// The example settings and plans of `config/`, built into breather so that `breather init`
/// works wherever the binary is. A unit test compares these with the files in `config/`
/// (`EmbeddedExamplesTests`), so the two never drift: change the file, then paste it here.
enum EmbeddedExamples {
    /// `config/breather.toml`.
    static let settings = #"""
        # Breather's settings: who the two of you are, and where messages go.
        # Agree on this file together, on a calm day. `breather check` tells you if anything is off.

        me = "Sam"
        partner = "Alex"

        # The plan a bare `breather start` uses.
        default_plan = "cool-down"

        # Notifications on this computer, for the one taking the break.
        [channels.desktop]
        type = "desktop"

        # Alex's phone, through ntfy. Presets for Matrix, Telegram, Slack, Discord and Gotify speak
        # those services' own APIs; the `json` preset posts Breather's own JSON body.
        [channels.alex]
        type = "webhook"
        preset = "ntfy"
        url = "https://ntfy.example.org/sam-and-alex"
        # token_file = "secrets/alex-token"   # optional: a private file (chmod 600), never logged
        timeout = "10s"
        # Alex can answer an announcement with one tap, in the words your plan offers. The answers
        # come back on a second topic, which breatherd reads (with token_file, if you have one) only
        # while a break runs and for an hour after; they show on this computer and on your phone.
        answers_url = "https://ntfy.example.org/sam-and-alex-answers"
        # The token travels inside each answer button, so make it one that can only write to the
        # answers topic (the README shows how):
        # answers_token_file = "secrets/alex-answers-token"

        # If the two of you use Matrix instead, Alex's channel looks like this. Alex's replies to
        # Breather's messages, in their own words, and their reactions come back to you; nobody
        # else's do. The account in token_file posts the messages and must be able to read the room.
        # [channels.alex]
        # type = "webhook"
        # preset = "matrix"
        # url = "https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org"
        # token_file = "secrets/alex-token"
        # partner_user_id = "@alex:example.org"

        # Your own phone, for your reminders when you are away from this computer (on a walk, with
        # the lid closed). Its server holds each reminder for its time, so it arrives even while
        # this computer sleeps: ntfy 2.16 or later, or a Matrix server with delayed events.
        [channels.phone]
        type = "webhook"
        preset = "ntfy"
        url = "https://ntfy.example.org/sam-reminders"
        hold_on_server = true

        """#

    /// `config/plans/cool-down.toml`.
    static let coolDownPlan = #"""
        # The everyday break: half an hour to calm down, announced, and kept.
        description = "Step away from an argument to calm down, and come back in half an hour"
        code_word = "pineapple"
        duration = "30m"

        # Sent the moment the break starts: what is happening, that you care, and when you'll be back.
        [announce]
        to = ["alex"]
        message = "I care about you and I want to finish this talk. I'm taking {duration} to calm down so I can really listen. I'll come and find you at {checkin_time}."
        # Your partner can answer with one tap, in words the two of you agree on. Each one is a
        # button on their phone, so keep them short.
        answers = ["Thank you. I'll be here.", "Okay. Take the time you need.", "I care about you too."]

        # A nudge for yourself, a little before the time you promised.
        [[reminder]]
        offset = "-5m"
        to = ["desktop", "phone"]
        message = "{minutes_left} minutes until you said you'd go back to {partner}. Take a slow breath and start winding down."

        [[reminder]]
        offset = "0s"
        to = ["desktop", "phone"]
        message = "It's {checkin_time}: time to go and find {partner}, as you promised."

        # Only if you haven't checked back in ten minutes after the time: a word of reassurance.
        [[reminder]]
        offset = "+10m"
        to = ["alex"]
        message = "{me} hasn't forgotten you. They're still settling down and will be with you soon."

        [back]
        to = ["alex"]
        message = "{me} is back and ready to talk."

        [extend]
        to = ["alex"]
        message = "{me} needs a little more time to be calm enough to talk well. New time: {checkin_time}."
        answers = ["That's okay. I'll be here.", "Thanks for letting me know."]

        # Their answers reach you at once: on this computer, and on your phone if you have one. To
        # send them elsewhere, or word them differently, take the # off these lines and change them.
        # [answers]
        # to = ["desktop", "phone"]
        # message = "{partner} answered: {answer}"

        """#

    /// `config/plans/long-walk.toml`.
    static let longWalkPlan = #"""
        # For the hard days: a longer pause, a walk, and a time that still holds.
        description = "A longer pause for a walk when a short break is not enough"
        code_word = "lighthouse"
        duration = "1h30m"

        [announce]
        to = ["alex"]
        message = "This matters too much to argue it out while we're both hurting. I'm going for a walk to clear my head, and I'll be home by {checkin_time}. I love you."
        answers = ["I love you too.", "Okay. I'll be here when you're back.", "Thank you for telling me."]

        [[reminder]]
        offset = "-15m"
        to = ["desktop", "phone"]
        message = "Fifteen minutes until {checkin_time}. If you're out, this is the moment to turn back."

        [[reminder]]
        offset = "0s"
        to = ["desktop", "phone"]
        message = "It's {checkin_time}. Go and see {partner}, as you promised."

        [[reminder]]
        offset = "+15m"
        to = ["alex"]
        message = "{me} is running a little late and is on the way. They haven't forgotten their promise."

        [back]
        to = ["alex"]
        message = "{me} is home and ready to talk when you are."

        [extend]
        to = ["alex"]
        message = "{me} needs a bit longer before talking. They will be back by {checkin_time}."
        answers = ["That's okay. Take care of yourself.", "Thanks for letting me know."]

        """#

    /// `config/plans/short-pause.toml`.
    static let shortPausePlan = #"""
        # For when things are only starting to heat up: ten minutes, then back.
        description = "A short pause before things get heated"
        code_word = "teapot"
        duration = "10m"

        [announce]
        to = ["alex"]
        message = "I'm stepping out for ten minutes so I don't say something I'd regret. I'll be back at {checkin_time}, and we'll pick this up together."
        answers = ["Okay. I'll be right here.", "Thanks. We'll sort it out together."]

        [[reminder]]
        offset = "-2m"
        to = ["desktop", "phone"]
        message = "Two minutes until {checkin_time}. Whatever you're feeling, {partner} is waiting for you to come back."

        [[reminder]]
        offset = "0s"
        to = ["desktop", "phone"]
        message = "Time to go back to {partner}, as you said you would."

        [[reminder]]
        offset = "+5m"
        to = ["alex"]
        message = "{me} is taking a few more minutes and is on the way back. Nothing has changed between you."

        [back]
        to = ["alex"]
        message = "{me} is back. Thank you for the space."

        [extend]
        to = ["alex"]
        message = "{me} needs a few more minutes to settle and will be back at {checkin_time}."
        answers = ["Okay. Take a few more minutes.", "Thanks for letting me know."]

        """#

    /// Every example plan by name, as `config/plans/` has them.
    static let plans: [(name: String, text: String)] = [
        ("cool-down", coolDownPlan), ("long-walk", longWalkPlan), ("short-pause", shortPausePlan),
    ]

    /// The name of the plan `init` makes the `default_plan`.
    static let planName = "cool-down"

    /// The channel name the examples use for the partner.
    static let partnerChannel = "alex"

    /// The channel name the examples use for your own phone.
    static let phoneChannel = "phone"
}
