/// The example settings and plan of `config/`, built into breather so that `breather init`
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

        # Alex's phone. The `json` preset posts Breather's own JSON body; presets for ntfy, Slack,
        # Discord, Matrix, Telegram and Gotify speak those services' own APIs.
        [channels.alex]
        type = "webhook"
        preset = "json"
        url = "https://hooks.example.org/sam-and-alex"
        # token_file = "secrets/alex-token"   # optional: a private file (chmod 600), never logged
        timeout = "10s"

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

        # A nudge for yourself, a little before the time you promised.
        [[reminder]]
        offset = "-5m"
        to = ["desktop"]
        message = "{minutes_left} minutes until you said you'd go back to {partner}. Take a slow breath and start winding down."

        [[reminder]]
        offset = "0s"
        to = ["desktop"]
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

        """#

    /// The name of the plan `init` writes, and the `default_plan` it sets.
    static let planName = "cool-down"

    /// The channel name the examples use for the partner.
    static let partnerChannel = "alex"
}
