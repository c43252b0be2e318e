package linefake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"
)

// Channel is one LINE Official Account's Messaging API channel: its access token, its
// friends, the reply tokens and rich menus it knows, its rate limit and monthly quota.
// Its methods are safe for concurrent use and take effect at once.
type Channel struct {
	srv   *Server
	token string

	// Guarded by srv.mu.
	users       map[string]*user
	replyTokens map[string]replyToken
	richMenus   map[string]bool
	links       map[string]string // user ID to linked rich menu ID
	retryKeys   map[string]acceptedKey
	rateLimit   int
	limiter     rateLimiter
	quota       int // negative: no limit
	quotaMonth  string
	quotaUsed   int
}

type user struct {
	profile Profile
	blocked bool
}

type replyToken struct {
	userID  string
	expires time.Time
}

type acceptedKey struct {
	requestID string
	sent      []sentMessage
	at        time.Time
}

// Profile is what Get profile returns for a friend.
type Profile struct {
	UserID        string `json:"userId"`
	DisplayName   string `json:"displayName"`
	PictureURL    string `json:"pictureUrl,omitempty"`
	StatusMessage string `json:"statusMessage,omitempty"`
	Language      string `json:"language,omitempty"`
}

func newChannel(s *Server, token string) *Channel {
	return &Channel{
		srv:         s,
		token:       token,
		users:       make(map[string]*user),
		replyTokens: make(map[string]replyToken),
		richMenus:   make(map[string]bool),
		links:       make(map[string]string),
		retryKeys:   make(map[string]acceptedKey),
		rateLimit:   DefaultRateLimit,
		quota:       -1,
	}
}

// Token is the channel access token clients authenticate with.
func (c *Channel) Token() string { return c.token }

// AddFriend makes the user a friend of the channel (again, if they had blocked it) and
// returns the profile stored. An empty UserID gets a fresh one; an ill-formed one panics.
func (c *Channel) AddFriend(p Profile) Profile {
	if p.UserID == "" {
		p.UserID = NewUserID()
	}
	if !isUserID(p.UserID) {
		panic(fmt.Sprintf("linefake: %q is not a LINE user ID (U and 32 hex digits)", p.UserID))
	}
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	u := c.users[p.UserID]
	if u == nil {
		u = &user{}
		c.users[p.UserID] = u
	}
	u.profile = p
	u.blocked = false
	return p
}

// Block records that the user blocked the channel: LINE then accepts pushes to them
// with 200 but delivers and counts nothing, and their profile is 404.
func (c *Channel) Block(userID string) {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	u := c.users[userID]
	if u == nil {
		u = &user{profile: Profile{UserID: userID}}
		c.users[userID] = u
	}
	u.blocked = true
}

// IssueReplyToken mints the reply token a webhook event from userID would carry. It
// works once, until ttl has passed (zero means the server's default, one minute).
func (c *Channel) IssueReplyToken(userID string, ttl time.Duration) string {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	if ttl <= 0 {
		ttl = c.srv.replyTTL
	}
	token := randomHex(16)
	c.replyTokens[token] = replyToken{userID: userID, expires: c.srv.now().Add(ttl)}
	return token
}

// AddRichMenu registers a rich menu so users can be linked to it, and returns its ID;
// an empty id gets a fresh one shaped like LINE's ("richmenu-" and 32 hex digits).
func (c *Channel) AddRichMenu(id string) string {
	if id == "" {
		id = "richmenu-" + randomHex(16)
	}
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	c.richMenus[id] = true
	return id
}

// RichMenuOf returns the rich menu linked to the user, or "" if none is.
func (c *Channel) RichMenuOf(userID string) string {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	return c.links[userID]
}

// SetRateLimit sets how many requests a second the channel may make to each endpoint
// before LINE answers 429; zero or less removes the limit. The default is LINE's 2,000.
func (c *Channel) SetRateLimit(perSecond int) {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	c.rateLimit = perSecond
}

// SetMonthlyQuota sets how many messages (recipients of push and multicast) the channel
// may send this month; negative means no limit, the default.
func (c *Channel) SetMonthlyQuota(messages int) {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	c.quota = messages
}

// QuotaUsed is how many messages count against this month's quota so far.
func (c *Channel) QuotaUsed() int {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	return c.usedThisMonth(c.srv.now())
}

// jst is the zone LINE's quota months are counted in.
var jst = time.FixedZone("JST", 9*60*60)

func (c *Channel) usedThisMonth(now time.Time) int {
	month := now.In(jst).Format("2006-01")
	if month != c.quotaMonth {
		c.quotaMonth, c.quotaUsed = month, 0
	}
	return c.quotaUsed
}

// quotaAllows reports whether n more messages fit in this month's quota.
func (c *Channel) quotaAllows(n int, now time.Time) bool {
	return c.quota < 0 || c.usedThisMonth(now)+n <= c.quota
}

func (c *Channel) countQuota(n int, now time.Time) {
	c.usedThisMonth(now)
	c.quotaUsed += n
}

// accepted returns the earlier request that used the retry key, if LINE still remembers it.
func (c *Channel) accepted(key string, now time.Time) (acceptedKey, bool) {
	if key == "" {
		return acceptedKey{}, false
	}
	a, ok := c.retryKeys[key]
	if ok && now.Sub(a.at) >= c.srv.retryKeyTTL {
		delete(c.retryKeys, key)
		return acceptedKey{}, false
	}
	return a, ok
}

func (c *Channel) remember(key, requestID string, sent []sentMessage, now time.Time) {
	if key != "" {
		c.retryKeys[key] = acceptedKey{requestID: requestID, sent: sent, at: now}
	}
}

// deliverable reports whether LINE would deliver to the user, and whether it knows the
// user at all (a user who blocked the channel is known but not deliverable).
func (c *Channel) deliverable(userID string) (deliver, known bool) {
	u := c.users[userID]
	if u == nil {
		return false, false
	}
	return !u.blocked, true
}

var (
	userIDPattern = regexp.MustCompile(`^U[0-9a-f]{32}$`)
	uuidPattern   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

func isUserID(s string) bool { return userIDPattern.MatchString(s) }
func isUUID(s string) bool   { return uuidPattern.MatchString(s) }

// NewUserID returns a fresh user ID of LINE's form: U and 32 lowercase hex digits.
func NewUserID() string { return "U" + randomHex(16) }

func randomHex(bytes int) string {
	b := make([]byte, bytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
