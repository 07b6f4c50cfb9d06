"""Generic wording that postmasters recognise in any server's reply, mapped to a reason.

These rules give unseen replies a good reason when no provider signature matches. Each rule
has a strength: strong rules beat a specific enhanced code (the text beats the code), medium
rules beat only generic codes such as 5.7.1, weak rules only the basic code.
"""

from __future__ import annotations

from functools import cache

from ehlo.knowledge.matcher import PatternIndex
from ehlo.knowledge.model import Signature

STRONG = 80
MEDIUM = 50
WEAK = 30

# (strength, reason, pattern). Patterns are searched case-insensitively in the search text.
RULES: tuple[tuple[int, str, str], ...] = (
    # Loops and hop counts, before "too many" rate wording.
    (
        STRONG + 6,
        "networkerror",
        r"\b(?:mail|routing|forwarding) loop|loop detected|looping|too many hops|hop count exceeded|loops back to myself|mailloop",
    ),
    # Greylisting.
    (
        STRONG + 5,
        "greylisted",
        r"gr[ae]y-?list|postgrey|sqlgrey|greylisted|grey listed|gray listed",
    ),
    (
        STRONG + 5,
        "greylisted",
        r"not yet authori[sz]ed to deliver|first time sender|try again in \d+ (?:seconds|minutes)|please retry (?:later|in \d)|deferred for \d+ (?:seconds|minutes)|temporarily rejected\. try again later",
    ),
    # Viruses before spam ("virus or spam").
    (
        STRONG + 4,
        "virusdetected",
        r"\bvirus|\bmalware|infected|\btrojan|\bworms?\b|clamav|malicious (?:content|attachment|payload|file|code|url|link)|\bphishing attachment",
    ),
    # Blocklists: the client IP, network or a domain is listed.
    (
        STRONG + 3,
        "blocked",
        r"blocked using|listed (?:at|on|in|by) |blacklist|black list|blocklist|block list|\brbl\b|dnsbl|spamhaus|spamcop|barracudacentral|barracuda reputation|\bsorbs\b|uceprotect|\bpsbl\b|cbl\.abuseat|abuseat\.org|\bzen\.|b\.barracuda|bl\.spamcop|ipcheck\.proofpoint|dnsbl-lookup|prs\.proofpoint|cloudmark sender intelligence|sender intelligence",
    ),
    (
        STRONG + 3,
        "blocked",
        r"(?:client|your|sending|remote) (?:host|ip|ip address|server|network|mail server)\b.{0,40}\b(?:blocked|banned|blacklisted|not allowed|denied|rejected|refused|on our block)|banned sending ip|\bip (?:address )?(?:is )?(?:blocked|banned|blacklisted)|(?:dynamic|dial-?up|residential|consumer) (?:ip|address|range|pool|connection|space)|\bdul\b|geo-?(?:ip|block|location)|host network not allowed|network (?:is )?(?:blocked|not allowed|banned)",
    ),
    # HELO/EHLO refused: the client's identity.
    (
        STRONG + 2,
        "blocked",
        r"helo command rejected|ehlo command rejected|(?:helo|ehlo)(?: name| hostname| host| argument| domain)?.{0,40}(?:invalid|rejected|not (?:a )?(?:valid|fully.qualified|fqdn|found|allowed|resolvable)|forged|host not found|bogus|must be|needs? fully.qualified|is (?:an? )?ip)|(?:invalid|bad|bogus|forged) (?:helo|ehlo)|need fully-qualified hostname|host name is invalid",
    ),
    # Reverse DNS.
    (
        STRONG + 2,
        "requireptr",
        r"reverse dns|reverse lookup|\brdns\b|\bptr\b|reverse (?:hostname|host name|mapping|dns entry)|cannot find your (?:reverse )?hostname|no reverse|not resolve to your address|does not resolve to (?:your|the connecting)|fcrdns|forward confirmed|ip name lookup failed|dns ptr|hostname .{0,30}does(?:n't| not) match|mismatched reverse|unknown client host|client host .{0,40}(?:unknown|not found|no hostname)",
    ),
    # SPF, DKIM, DMARC, ARC.
    (
        STRONG + 2,
        "authfailure",
        r"\bdmarc\b|\bspf\b|\bdkim\b|sender policy framework|domainkeys|\barc (?:validation|chain|seal)|authenticated received chain|unauthenticated (?:email|mail|message)|sender is unauthenticated|(?:fails?|failed|did not pass|does not pass)\b.{0,30}\b(?:authentication|sender authentication)|is not (?:an? )?(?:allowed|authori[sz]ed|permitted|designated) (?:to send|sender)|not (?:a )?permitted sender|designates .{0,40} as permitted sender|anti-?spoof|spoof(?:ed|ing)|forged (?:sender|from)|from domain alignment|alignment (?:fail|check)|authentication-results",
    ),
    # STARTTLS and TLS.
    (
        STRONG + 1,
        "failedstarttls",
        r"starttls|\btls\b|\bssl\b|requiretls|encryption (?:is )?(?:required|needed)|must (?:issue|use|send) .{0,20}(?:starttls|tls|encryption)|(?:secure|encrypted) (?:connection|channel|transport) (?:is )?required|confidentiality required|\bcipher|handshake|certificate",
    ),
    # SMTP AUTH and other security refusals of the session.
    (
        STRONG,
        "securityerror",
        r"authentication (?:is )?(?:required|failed|failure|unsuccessful|rejected|credentials|mechanism|unavailable|disabled)|auth(?:entication)? (?:is )?required|(?:smtp ?)?auth(?:entication)? (?:not )?(?:enabled|disabled|allowed|supported)|must authenticate|(?:invalid|bad|wrong|incorrect) (?:credentials|login|user ?name|password|username or password|user or password)|username and password not accepted|badcredentials|password (?:incorrect|invalid|expired|transition)|login (?:failed|denied|incorrect|unsuccessful)|logon failure|not authenticated|authenticate first|application-specific password|app password|basic authentication|smtpclientauthentication|send ?as (?:permission|denied)|sendasdenied|not owned by (?:the )?(?:user|auth)|sender address does not match|not authori[sz]ed to send (?:as|on behalf)|submission (?:requires|needs)",
    ),
    # Relaying.
    (
        STRONG,
        "norelaying",
        r"relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited|refused|forbidden)|(?:unable|not permitted|not allowed|cannot|can't|don't|do not) (?:to )?relay|relay not (?:permitted|allowed|authori[sz]ed)|we do not relay|no relaying|relaying (?:is )?(?:denied|not|disallowed)|allowed rcpthosts|rcpthosts|not (?:a )?(?:local|our|hosted) (?:domain|recipient).{0,30}relay|open relay|relay access",
    ),
    # The sender's envelope address.
    (
        STRONG,
        "rejected",
        r"sender (?:address )?(?:rejected|refused|denied|verify failed|verification failed|is not allowed|not allowed|address is (?:invalid|not allowed)|unknown|invalid|domain (?:must exist|must resolve|not found|does not exist|unknown|is invalid|has no))|(?:sender|from|envelope|return.path|mail from) (?:address )?domain (?:must resolve|does not exist|doesn't exist|not found|unresolvable|is not valid|has no mx|unknown)|domain of sender address .{0,60} does not exist|unresolvable (?:rfc\.?5321 )?from domain|(?:bad|invalid|illegal|unknown|malformed) (?:sender|envelope sender|mail from|from address|return.path)|null (?:sender|mx)|empty (?:envelope )?sender|<> (?:not allowed|rejected)|sender (?:is )?(?:on|in) (?:our |the )?(?:block|black|deny) ?list|sender address (?:syntax|must)|mail from.{0,30}(?:rejected|refused|not accepted|invalid)|envelope (?:sender|from) (?:rejected|blocked|refused)|administrative prohibition - envelope blocked|envelope blocked|sender blocked",
    ),
    # The recipient's own rules.
    (
        STRONG,
        "filtered",
        r"(?:recipient|user|mailbox|addressee)(?: has)? (?:blocked|rejected|refused|refuses|does not accept|doesn't accept|is not accepting|not accepting) (?:your |this |mail |messages |email |e-mail )*(?:from |sender)|blocked by (?:the )?(?:recipient|user|addressee)|recipient'?s? (?:block|deny|black) ?list|on (?:the )?(?:recipient's|user's) (?:block|black|deny) ?list|customer block list|not authori[sz]ed to (?:send|post|mail) to|(?:only|restricted to) (?:members|internal|authori[sz]ed|approved|known) |moderat(?:ed|or)|not (?:on|in) the (?:allow|white|safe) ?list|delivery restrictions?|message restrictions?|recipient (?:has )?(?:restrictions|restricted)|rejected (?:per|by) (?:recipient|user)|(?:user|mailbox|recipient)'?s? (?:rules|filters?)|does not accept mail from (?:you|this sender|your)|you are not allowed to (?:send|post)|mailing list expansion|expansion prohibited|group (?:does not accept|only accepts)",
    ),
    # Mailbox disabled.
    (
        STRONG,
        "suspend",
        r"(?:account|mailbox|user|address|recipient|e-?mail)(?: account)? (?:is |has been |was )?(?:disabled|suspended|deactivated|inactive|locked|frozen|closed|expired|terminated|cancel+ed|discontinued|not active|no longer active|temporarily (?:disabled|unavailable|blocked))|(?:disabled|suspended|inactive|deactivated|locked|closed) (?:account|user|mailbox|recipient)|blocked due to inactivity|disableduser|account (?:on hold|has been blocked)|mailbox (?:is )?(?:not enabled|disabled)",
    ),
    # Moved.
    (
        STRONG,
        "hasmoved",
        r"(?:has|have) moved|mailbox (?:has )?moved|no longer (?:valid|available|in use|exists?|at|with|employed|works|working|used|active here)|changed (?:their|his|her|its) (?:e-?mail )?address|(?:new|forwarding) (?:e-?mail )?address|left the (?:company|organi[sz]ation|firm)|is no longer|user not local; please try|not local; please try",
    ),
    # Storage full: the system, before the mailbox.
    (
        STRONG,
        "systemfull",
        r"insufficient system (?:storage|resources)|(?:system|server|disk|spool|queue|mail system|filesystem|file system)(?: is)? (?:full|out of (?:disk|space|storage))|no space left|not enough (?:system |disk )?(?:storage|space) (?:on|in) (?:the )?(?:system|server|disk)|out of (?:disk|storage) space|mail system full|disk quota exceeded on server",
    ),
    # Mailbox full.
    (
        STRONG,
        "mailboxfull",
        r"(?:mailbox|mail box|inbox|mail ?drop|account|quota|storage|recipient|user)(?: is)?(?: currently)? (?:full|over (?:quota|the quota|its quota|their quota|the limit|storage))|over ?quota|overquota|quota (?:exceeded|exceed|full|limit exceeded|violation)|exceed(?:s|ed)? (?:the |its |their |his |her )?(?:storage|disk|mailbox|quota|space)(?: quota| limit| allocation)?|(?:mailbox|storage) (?:quota|size) (?:limit|exceeded)|insufficient (?:storage|space|disk space) (?:for|in) (?:the )?(?:user|mailbox|recipient)|not enough (?:storage|space) (?:for|in) (?:the )?(?:user|mailbox|recipient)|user has (?:too many|exceeded)|mailbox size limit|out of storage|storage allocation",
    ),
    # Message too large (after mailbox full: "storage allocation").
    (
        STRONG,
        "emailtoolarge",
        r"(?:message|mail|e-?mail|data|content|attachment)s? (?:size |file |length )?(?:is |was )?(?:too (?:big|large|long)|exceeds?|exceeded)|too (?:big|large) for (?:the )?(?:system|server|recipient)|size (?:limit|exceeds|exceeded|too (?:big|large))|exceeds? (?:the )?(?:maximum|max\.?|fixed|allowed|configured)?\s?(?:message )?(?:size|length)|maximum (?:message |allowed |mail )?size|message file too big|maxsizeerror|message length exceeds",
    ),
    # Rates and limits.
    (
        STRONG,
        "ratelimited",
        r"rate.?limit|too many (?:connections|messages|recipients|mails|e-?mails|concurrent|sessions|errors|invalid|bad|unknown|requests|rcpt|simultaneous|commands|deliveries|recipient)|too (?:fast|frequent|often|quickly)|(?:sending|receiving|message|connection|delivery) (?:rate|limit|frequency)|(?:hourly|daily|per[ -]hour|per[ -]day|per[ -]minute) (?:limit|quota|rate|sending)|(?:limit|quota) (?:exceeded|reached)|exceeded .{0,30}(?:limit|threshold)|throttl|slow down|receiving (?:mail )?at a rate|frequency limit|(?:maximum|max) (?:number of )?(?:connections|recipients|messages)|unusual (?:rate|volume|amount)|too much (?:mail|traffic)|excessive (?:volume|connections|mail)|concurrent (?:connections|sessions)|(?:connection|session) (?:count|limit)|mail flood|flood detected|receivingrate|toomanyrecipients",
    ),
    # Reputation.
    (
        MEDIUM + 10,
        "badreputation",
        r"reputation|sender ?score|user complaints|complaints? (?:rate|from)|unexpected volume|temporarily deferred|deferred due to|not (?:yet )?(?:trusted|whitelisted)|suspicious due to|bulk (?:sender|mail) (?:policy|guidelines)|sender guidelines|poor (?:sending )?(?:history|practices)|unsolicited(?:ip| ip| mail originating from your ip)",
    ),
    # Spam verdicts.
    (
        STRONG - 5,
        "spamdetected",
        r"\bspam\b|spammy|spam ?score|spam ?content|unsolicited|junk ?(?:mail|e-?mail)|classified as (?:spam|junk|bulk)|looks? like (?:spam|junk)|considered (?:spam|junk|unsolicited)|content (?:filter|rejected|blocked)|message (?:content )?(?:rejected|refused|blocked) (?:as|because|due to) (?:its |it's )?(?:content|spam|junk)|suspicious (?:content|message|mail|email|url|link)|high probability|bulk mail|uce\b|mcspamsignature|spam signature|\bscore\b.{0,20}\bthreshold|rejected by (?:content|anti-?spam|spam)|anti-?spam|policy (?:violation|reasons).{0,30}(?:content|spam)",
    ),
    # Recipient unknown.
    (
        STRONG,
        "userunknown",
        r"user unknown|unknown user|no such (?:user|mailbox|recipient|account|address|person|local user)|(?:mailbox|user|recipient|address|account|e-?mail account)(?: name)? (?:does not|doesn't|did not|does't) exist|(?:mailbox|recipient|user|address|account|addressee|mail ?box|local part) (?:not found|unknown|not exist|not valid|invalid|does not exist)|invalid (?:recipient|mailbox|address|user|destination|e-?mail address)|unknown (?:recipient|mailbox|address|local.?part|e-?mail address|destination)|not a (?:valid|known) (?:mailbox|recipient|user|address)|recipientnotfound|recipnotfound|nosuchuser|not listed in (?:the )?(?:directory|address book|domino|public)|unverified address|recipient verify failed|callout verification failed|verification failed for <|undeliverable address|address (?:unknown|not found|invalid|does not exist)|bad (?:recipient|destination mailbox)|unknown in (?:local|virtual|relay) (?:recipient|alias|mailbox) table|no mailbox (?:here|by that name|found)|user not found|does not have an? (?:mail ?box|account)|mailbox unavailable.{0,20}(?:invalid|unknown|not found)|addressee unknown|unknown or illegal alias|no valid recipient|not our customer|doesn't have a .{0,20}account|is not a valid (?:mailbox|recipient|user)|account (?:does not exist|not found)|no account by that name",
    ),
    # The recipient domain.
    (
        STRONG,
        "hostunknown",
        r"(?:domain|host)(?: name)? (?:not found|unknown|does not exist|doesn't exist|lookup failed|not resolvable|could not be resolved)|unknown (?:domain|host)|no such domain|nxdomain|host not found|domain (?:is )?(?:invalid|unrouteable|unroutable|not valid)|unrou?teable (?:address|domain|mail domain)|no mx (?:record|host|or a record)|mx (?:lookup|record).{0,20}(?:fail|not found|missing)|name service error|bad destination system|no route to (?:domain|host)|recipient address rejected: domain|badrcptdomain|domain (?:is )?not (?:registered|configured)|not a valid domain",
    ),
    # The whole domain or host takes no mail.
    (
        STRONG,
        "notaccept",
        r"null mx|does not accept (?:any )?(?:e-?)?mail\b(?! from)|accepts no (?:e-?)?mail|no mail service|no smtp service|(?:domain|host|server|system) (?:does not|doesn't) (?:accept|receive) (?:e-?)?mail\b(?! from)|not accepting (?:network )?messages|does not receive mail|mail is not accepted (?:here|for this domain)",
    ),
    # Content format, then RFC compliance.
    (
        STRONG,
        "contenterror",
        r"bare (?:lf|linefeed|<lf>|cr|newline)|\b8-?bit|8bitmime|smtputf8|non-?ascii|invalid (?:mime|character|charset|encoding|content-transfer-encoding|base64)|malformed (?:mime|message|content|mail)|mime (?:error|structure|boundary|part)|content-transfer-encoding|line(?:s)? (?:too long|longer than)|(?:message|mail) (?:is )?(?:malformed|corrupt|broken)|conversion (?:required|failed|not supported)|media (?:type )?not supported|cannot be converted|downgrade|utf-?8 (?:header|address|string)|encoding error",
    ),
    (
        STRONG,
        "notcompliantrfc",
        r"rfc ?(?:5322|2822|822|5321|2821|1123|6532)|not (?:rfc|standards?)[ -]?compliant|non-?compliant|(?:does not|doesn't|fails to) (?:conform|comply)|violates? (?:rfc|the standard)|(?:missing|multiple|duplicate|invalid|malformed|bad|no|empty) (?:from|date|message-id|to|subject|sender|reply-to|mime-version)(?: header| field| address)|(?:from|date|message-id|sender)(?: header| field)? (?:is )?(?:missing|required|invalid|malformed|not valid)|header(?:s)? (?:are )?(?:not (?:rfc )?compliant|invalid|malformed|missing)|rfcmessagenoncompliant|improperly formatted|mail format|not properly formatted|message-id header",
    ),
    # Attachments and other content policies.
    (
        MEDIUM,
        "policyviolation",
        r"(?:prohibited|blocked|banned|forbidden|dangerous|unacceptable|not allowed|disallowed|restricted) (?:attachment|file ?type|file|extension|content type)|attachment(?:s)? (?:type )?(?:is |are )?(?:not allowed|blocked|prohibited|rejected|forbidden)|file ?type (?:is )?(?:not allowed|blocked)|executable|encrypted (?:archive|attachment)|transport rule|mail flow rule|by (?:the )?(?:organi[sz]ation'?s? )?policy|local policy|policy (?:reasons|restrictions|violation|rejection)|violat(?:es|ed|ion of) (?:our |the )?(?:\w+ )?polic|administrative(?:ly)? prohibit|not permitted by policy|blocked by policy|acceptable use|terms of service|\baup\b",
    ),
    # Syntax and sequence.
    (
        MEDIUM,
        "syntaxerror",
        r"syntax error|unrecogni[sz]ed command|unknown command|command (?:not )?(?:recogni[sz]ed|implemented|unrecogni[sz]ed|not allowed)|not implemented|bad sequence|out of sequence|(?:need|send|expecting|requires?) (?:mail|rcpt|helo|ehlo|mail from|rcpt to)(?: command)?(?: first| before)|(?:mail|rcpt|helo|ehlo) (?:command )?first|polite people say|invalid (?:command|argument|parameter|arguments|parameters)|unknown (?:parameter|argument|option|extension)|parameters? (?:not )?(?:recogni[sz]ed|implemented|unrecogni[sz]ed|not supported)|command line too long|line too long|pipelining|nested mail command|no (?:valid )?recipients (?:specified|given)|no recipients|must be preceded|error: bad syntax|bad command|unexpected command|improper use of smtp command|unsupported command|protocol (?:error|violation)|address syntax|malformed (?:address|command)",
    ),
    # Expiry and local mailers.
    (
        STRONG,
        "expired",
        r"(?:delivery|retry|queue|message) (?:time )?(?:expired|timeout exceeded|lifetime exceeded)|expired after|too old|delivery time expired|message expired|retry time not reached for any host after a long|could not be delivered (?:within|for|in) \d|undeliverable after \d|giving up after|maximal? (?:queue )?lifetime|time limit exceeded for delivery|has been delayed for (?:too long|more than)|delivery has failed after",
    ),
    (
        STRONG,
        "mailererror",
        r"x-unix|mailer (?:error|failure)|local delivery (?:failed|error)|(?:pipe|program|command) (?:to .{0,40})?(?:failed|died|exited|returned|terminated)|exit (?:code|status|value) \d|procmail|unknown mailer|delivery to (?:a )?(?:program|pipe|file) failed|\bsh: |permission denied.{0,40}(?:pipe|program)|mail(?:er|box) program",
    ),
    # Receiver malfunctions and networks (weak: generic words).
    (
        MEDIUM,
        "networkerror",
        r"(?:dns|name server|nameserver|resolver) (?:error|failure|lookup failed|timeout|timed out|problem|temporar|servfail)|temporary dns|servfail|could not (?:connect|resolve)|unable to (?:connect|resolve)|connection (?:refused|reset|timed out|lost|dropped|closed)|lost connection|host unreachable|network (?:is )?(?:unreachable|error|failure)|no route to|routing (?:error|failure)|retry (?:over|on) ipv4|ipv6 (?:not allowed|not supported|policy)",
    ),
    (
        WEAK + 5,
        "systemerror",
        r"internal (?:server )?error|local error|error in processing|processing error|temporary (?:local )?(?:failure|problem|error)|local problem|server (?:error|failure|busy|too busy)|service (?:not available|unavailable|temporarily unavailable|currently unavailable)|temporar(?:il)?y unavailable|system (?:error|failure|problem|busy)|configuration error|misconfigur|database|lookup (?:failure|error)|resources? (?:temporarily )?unavailable|unable to (?:process|accept)|queue file write error|timed? ?out|backend|shutting down|maintenance|unexpected error|try again later|requested action aborted|\btemporary\b|transaction failed",
    ),
    (
        WEAK,
        "policyviolation",
        r"\bpolicy\b|not allowed|not permitted|prohibited|access denied|\bdenied\b|refused|\bblocked\b|message (?:not accepted|rejected|refused)|rejected",
    ),
    (WEAK - 5, "systemerror", r"mailbox unavailable|action not taken"),
)


@cache
def heuristic_index() -> PatternIndex:
    """The generic rules, compiled lazily and indexed like signatures."""
    signatures = [
        Signature(
            id=f"generic-{reason}-{position}",
            provider="",
            pattern=pattern,
            reason=reason,
            source="ehlo's generic wording rules",
            priority=strength,
        )
        for position, (strength, reason, pattern) in enumerate(RULES)
    ]
    return PatternIndex(signatures)
