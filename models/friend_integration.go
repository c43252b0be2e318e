package models

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lumoworkflows/lumo/segments"
)

// What outside services know about a friend, kept where segment conditions read it
// (shopify.*, hubspot.*, klaviyo.*). The integrations fill it in; every write is an
// upsert, so a webhook delivered twice or a sync run again changes nothing more.

// FriendIntegrationLink is the friend's ID in a service.
type FriendIntegrationLink struct {
	FriendID    string    `gorm:"primaryKey"`
	Service     string    `gorm:"primaryKey"`
	WorkspaceID string    `gorm:"not null"`
	ExternalID  string    `gorm:"not null"`
	LinkedAt    time.Time `gorm:"not null"`
}

// FriendIntegrationList puts the friend on one of a service's lists.
type FriendIntegrationList struct {
	FriendID    string    `gorm:"primaryKey"`
	Service     string    `gorm:"primaryKey"`
	ListID      string    `gorm:"primaryKey"`
	WorkspaceID string    `gorm:"not null"`
	AddedAt     time.Time `gorm:"not null"`
}

// FriendIntegrationProperty is one of a service's properties of the friend. Value is the
// JSON the service gave; ValueText and ValueNumber are what conditions compare.
type FriendIntegrationProperty struct {
	FriendID    string       `gorm:"primaryKey"`
	Service     string       `gorm:"primaryKey"`
	Name        string       `gorm:"primaryKey"`
	WorkspaceID string       `gorm:"not null"`
	Value       JSONDocument `gorm:"not null"`
	ValueText   string       `gorm:"not null"`
	ValueNumber *float64
	UpdatedAt   time.Time `gorm:"not null"`
}

// ShopifyCustomer is the friend as a Shopify customer: what shopify.orders_count,
// shopify.days_since_last_order, shopify.abandoned_cart and shopify.tag read.
type ShopifyCustomer struct {
	OrdersCount int64
	LastOrderAt *time.Time
	// AbandonedCartAt is when the customer's open abandoned checkout was abandoned; nil
	// when there is none (an order clears it).
	AbandonedCartAt *time.Time
	// Tags are the customer's Shopify tags, all of them: setting replaces the last set.
	Tags []string
}

// friendShopifyCustomer is ShopifyCustomer's row; its tags are rows of their own.
type friendShopifyCustomer struct {
	FriendID        string `gorm:"primaryKey"`
	WorkspaceID     string `gorm:"not null"`
	OrdersCount     int64  `gorm:"not null"`
	LastOrderAt     *time.Time
	AbandonedCartAt *time.Time
	UpdatedAt       time.Time `gorm:"not null"`
}

func (friendShopifyCustomer) TableName() string { return "friend_shopify_customers" }

type friendShopifyTag struct {
	FriendID    string `gorm:"primaryKey"`
	Tag         string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
}

func (friendShopifyTag) TableName() string { return "friend_shopify_tags" }

// checkText refuses what cannot be an ID, list or property name: empty text, and NUL,
// which PostgreSQL cannot store.
func checkText(what, s string) error {
	if s == "" || strings.ContainsRune(s, 0) {
		return fmt.Errorf("%w: %s must be non-empty text without NUL", ErrInvalidInput, what)
	}
	return nil
}

// integrationWrite runs write in a transaction after checking the service and that the
// friend is the workspace's (ErrNotFound if not).
func (s *Store) integrationWrite(ctx context.Context, workspaceID, friendID, service string, write func(tx *gorm.DB) error) error {
	if err := checkService(service); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := rowExists(tx, "friends", workspaceID, friendID); err != nil {
			return err
		}
		return write(tx)
	})
}

// LinkFriend records the friend's ID in service (a Shopify customer ID, a HubSpot
// contact ID, a Klaviyo profile ID), replacing the one recorded before.
func (s *Store) LinkFriend(ctx context.Context, workspaceID, friendID, service, externalID string) error {
	if err := checkText("an external ID", externalID); err != nil {
		return err
	}
	return s.integrationWrite(ctx, workspaceID, friendID, service, func(tx *gorm.DB) error {
		link := FriendIntegrationLink{FriendID: friendID, Service: service, WorkspaceID: workspaceID, ExternalID: externalID, LinkedAt: tx.NowFunc()}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "friend_id"}, {Name: "service"}},
			DoUpdates: clause.AssignmentColumns([]string{"external_id", "linked_at"}),
		}).Create(&link).Error
		if err != nil {
			return fmt.Errorf("link friend %s to %s: %w", friendID, service, err)
		}
		return nil
	})
}

// UnlinkFriend forgets the friend's ID in service; a friend that was not linked is not
// an error.
func (s *Store) UnlinkFriend(ctx context.Context, workspaceID, friendID, service string) error {
	return s.integrationWrite(ctx, workspaceID, friendID, service, func(tx *gorm.DB) error {
		return tx.Where("friend_id = ? AND service = ?", friendID, service).Delete(&FriendIntegrationLink{}).Error
	})
}

// FriendsLinkedTo returns the IDs of the workspace's friends linked to externalID in
// service (several when one person follows several LINE accounts), sorted.
func (s *Store) FriendsLinkedTo(ctx context.Context, workspaceID, service, externalID string) ([]string, error) {
	ids := []string{}
	err := s.db.WithContext(ctx).Model(&FriendIntegrationLink{}).
		Where("workspace_id = ? AND service = ? AND external_id = ?", workspaceID, service, externalID).
		Order("friend_id").Pluck("friend_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("friends linked to %s %s: %w", service, externalID, err)
	}
	return ids, nil
}

// AddFriendToIntegrationList records that the friend is on the service's list listID.
func (s *Store) AddFriendToIntegrationList(ctx context.Context, workspaceID, friendID, service, listID string) error {
	if err := checkText("a list ID", listID); err != nil {
		return err
	}
	return s.integrationWrite(ctx, workspaceID, friendID, service, func(tx *gorm.DB) error {
		row := FriendIntegrationList{FriendID: friendID, Service: service, ListID: listID, WorkspaceID: workspaceID, AddedAt: tx.NowFunc()}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return fmt.Errorf("add friend %s to %s list %s: %w", friendID, service, listID, err)
		}
		return nil
	})
}

// RemoveFriendFromIntegrationList records that the friend left the list; a friend not
// on it is not an error.
func (s *Store) RemoveFriendFromIntegrationList(ctx context.Context, workspaceID, friendID, service, listID string) error {
	return s.integrationWrite(ctx, workspaceID, friendID, service, func(tx *gorm.DB) error {
		return tx.Where("friend_id = ? AND service = ? AND list_id = ?", friendID, service, listID).
			Delete(&FriendIntegrationList{}).Error
	})
}

// SetFriendIntegrationProperties saves the service's properties of the friend, each
// name to its value (a string, number, true/false, or any JSON value); a nil value
// removes the property. Properties not named keep their values.
func (s *Store) SetFriendIntegrationProperties(ctx context.Context, workspaceID, friendID, service string, properties map[string]any) error {
	names := make([]string, 0, len(properties))
	for name := range properties {
		if err := checkText("a property name", name); err != nil {
			return err
		}
		names = append(names, name)
	}
	// One order for every writer, so that two syncs of one friend cannot deadlock.
	slices.Sort(names)
	return s.integrationWrite(ctx, workspaceID, friendID, service, func(tx *gorm.DB) error {
		now := tx.NowFunc()
		for _, name := range names {
			value := properties[name]
			if value == nil {
				if err := tx.Where("friend_id = ? AND service = ? AND name = ?", friendID, service, name).
					Delete(&FriendIntegrationProperty{}).Error; err != nil {
					return fmt.Errorf("remove %s property %q: %w", service, name, err)
				}
				continue
			}
			row, err := propertyRow(value)
			if err != nil {
				return fmt.Errorf("%s property %q: %w", service, name, err)
			}
			row.FriendID, row.Service, row.Name, row.WorkspaceID, row.UpdatedAt = friendID, service, name, workspaceID, now
			err = tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "friend_id"}, {Name: "service"}, {Name: "name"}},
				DoUpdates: clause.AssignmentColumns([]string{"value", "value_text", "value_number", "updated_at"}),
			}).Create(&row).Error
			if err != nil {
				return fmt.Errorf("set %s property %q: %w", service, name, err)
			}
		}
		return nil
	})
}

// propertyRow is value as conditions compare it: its text (strings as they are, numbers
// written out, true/false, other JSON as JSON) and its number when it is one or a string
// that reads as one.
func propertyRow(value any) (FriendIntegrationProperty, error) {
	doc, err := json.Marshal(value)
	if err != nil {
		return FriendIntegrationProperty{}, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	var decoded any
	if err := json.Unmarshal(doc, &decoded); err != nil {
		return FriendIntegrationProperty{}, err
	}
	row := FriendIntegrationProperty{Value: JSONDocument(doc)}
	switch v := decoded.(type) {
	case string:
		row.ValueText = v
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			row.ValueNumber = &f
		}
	case float64:
		row.ValueText = strconv.FormatFloat(v, 'f', -1, 64)
		row.ValueNumber = &v
	case bool:
		row.ValueText = strconv.FormatBool(v)
	default:
		row.ValueText = string(doc)
	}
	if strings.ContainsRune(row.ValueText, 0) {
		return FriendIntegrationProperty{}, fmt.Errorf("%w: a value must not hold NUL", ErrInvalidInput)
	}
	return row, nil
}

// SetShopifyCustomer saves what Shopify says of the friend as a customer, replacing
// what it said before (tags included).
func (s *Store) SetShopifyCustomer(ctx context.Context, workspaceID, friendID string, customer ShopifyCustomer) error {
	if customer.OrdersCount < 0 {
		return fmt.Errorf("%w: a negative order count", ErrInvalidInput)
	}
	tags := slices.Clone(customer.Tags)
	for _, tag := range tags {
		if err := checkText("a Shopify tag", tag); err != nil {
			return err
		}
	}
	slices.Sort(tags)
	tags = slices.Compact(tags)
	return s.integrationWrite(ctx, workspaceID, friendID, segments.ServiceShopify, func(tx *gorm.DB) error {
		row := friendShopifyCustomer{
			FriendID: friendID, WorkspaceID: workspaceID, OrdersCount: customer.OrdersCount,
			LastOrderAt: utcOrNil(customer.LastOrderAt), AbandonedCartAt: utcOrNil(customer.AbandonedCartAt),
			UpdatedAt: tx.NowFunc(),
		}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "friend_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"orders_count", "last_order_at", "abandoned_cart_at", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return fmt.Errorf("set Shopify customer of friend %s: %w", friendID, err)
		}
		if err := tx.Where("friend_id = ?", friendID).Delete(&friendShopifyTag{}).Error; err != nil {
			return fmt.Errorf("replace Shopify tags of friend %s: %w", friendID, err)
		}
		if len(tags) == 0 {
			return nil
		}
		rows := make([]friendShopifyTag, len(tags))
		for i, tag := range tags {
			rows[i] = friendShopifyTag{FriendID: friendID, Tag: tag, WorkspaceID: workspaceID}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("set Shopify tags of friend %s: %w", friendID, err)
		}
		return nil
	})
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
