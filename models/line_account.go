package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lumoworkflows/lumo/database"
)

// LineAccount is a LINE Official Account (a Messaging API channel) connected to a
// workspace. Its channel secret and access token are sealed at rest.
type LineAccount struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
	Name        string `gorm:"not null"`
	ChannelID   string `gorm:"not null"`
	// BasicID is the account's LINE ID ("@abc1234"), lowercase, which its add-friend link
	// is made of; nil when unknown.
	BasicID *string
	// ChannelSecretSealed and ChannelAccessTokenSealed are secrets.Box values; read them
	// through Store.LineAccountCredentials.
	ChannelSecretSealed      string    `gorm:"not null"`
	ChannelAccessTokenSealed string    `gorm:"not null"`
	CreatedAt                time.Time `gorm:"not null"`
	UpdatedAt                time.Time `gorm:"not null"`
}

// LineAccountInput is what a caller supplies to connect or change an account.
type LineAccountInput struct {
	Name               string
	ChannelID          string
	ChannelSecret      string
	ChannelAccessToken string
	// BasicID, when not nil, sets the basic ID; on update a pointer to "" clears it.
	BasicID *string
}

// LineCredentials are an account's opened secrets, for verifying webhooks and calling LINE.
type LineCredentials struct {
	ChannelSecret      string
	ChannelAccessToken string
}

// ErrDuplicateChannel means the workspace already connected that channel ID.
var ErrDuplicateChannel = &ConflictError{
	Field:   "channelId",
	Message: "a LINE account with this channelId is already connected to the workspace",
}

func secretPlace(accountID, column string) string {
	return "line_accounts/" + accountID + "/" + column
}

// CreateLineAccount connects a LINE channel to the workspace.
func (s *Store) CreateLineAccount(ctx context.Context, workspaceID string, in LineAccountInput) (LineAccount, error) {
	account := LineAccount{
		ID:          NewID(),
		WorkspaceID: workspaceID,
		Name:        in.Name,
		ChannelID:   in.ChannelID,
		BasicID:     nullIfEmpty(in.BasicID),
	}
	if err := s.sealLineCredentials(&account, in.ChannelSecret, in.ChannelAccessToken); err != nil {
		return LineAccount{}, err
	}
	err := s.db.WithContext(ctx).Create(&account).Error
	if database.IsUniqueViolation(err) {
		return LineAccount{}, ErrDuplicateChannel
	}
	if err != nil {
		return LineAccount{}, fmt.Errorf("create line account: %w", err)
	}
	return account, nil
}

func (s *Store) sealLineCredentials(account *LineAccount, secret, token string) error {
	var err error
	if secret != "" {
		if account.ChannelSecretSealed, err = s.box.Seal(secret, secretPlace(account.ID, "channel_secret")); err != nil {
			return err
		}
	}
	if token != "" {
		if account.ChannelAccessTokenSealed, err = s.box.Seal(token, secretPlace(account.ID, "channel_access_token")); err != nil {
			return err
		}
	}
	return nil
}

// GetLineAccount returns one of the workspace's accounts.
func (s *Store) GetLineAccount(ctx context.Context, workspaceID, id string) (LineAccount, error) {
	var account LineAccount
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&account).Error
	return account, notFound(err)
}

// ListLineAccounts lists the workspace's accounts, newest first.
func (s *Store) ListLineAccounts(ctx context.Context, workspaceID string, page Page) ([]LineAccount, string, error) {
	q := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID)
	return listPage(q, page, func(a LineAccount) string { return a.ID })
}

// UpdateLineAccount changes the fields of in that are not empty (rotating a secret or
// token is sending the new one). Only those columns are written, so two updates of
// different fields at once both take effect.
func (s *Store) UpdateLineAccount(ctx context.Context, workspaceID, id string, in LineAccountInput) (LineAccount, error) {
	sealed := LineAccount{ID: id}
	if err := s.sealLineCredentials(&sealed, in.ChannelSecret, in.ChannelAccessToken); err != nil {
		return LineAccount{}, err
	}
	changes := map[string]any{}
	for column, value := range map[string]string{
		"name":                        in.Name,
		"channel_id":                  in.ChannelID,
		"channel_secret_sealed":       sealed.ChannelSecretSealed,
		"channel_access_token_sealed": sealed.ChannelAccessTokenSealed,
	} {
		if value != "" {
			changes[column] = value
		}
	}
	if in.BasicID != nil {
		changes["basic_id"] = nullIfEmpty(in.BasicID)
	}
	if len(changes) > 0 {
		res := s.db.WithContext(ctx).Model(&LineAccount{}).
			Where("workspace_id = ? AND id = ?", workspaceID, id).
			Updates(changes)
		if database.IsUniqueViolation(res.Error) {
			return LineAccount{}, ErrDuplicateChannel
		}
		if res.Error != nil {
			return LineAccount{}, fmt.Errorf("update line account: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return LineAccount{}, ErrNotFound
		}
	}
	return s.GetLineAccount(ctx, workspaceID, id)
}

// DeleteLineAccount disconnects an account.
func (s *Store) DeleteLineAccount(ctx context.Context, workspaceID, id string) error {
	res := s.db.WithContext(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Delete(&LineAccount{})
	if res.Error != nil {
		return fmt.Errorf("delete line account: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// LineAccountCredentials opens an account's secret and token.
func (s *Store) LineAccountCredentials(ctx context.Context, workspaceID, id string) (LineCredentials, error) {
	account, err := s.GetLineAccount(ctx, workspaceID, id)
	if err != nil {
		return LineCredentials{}, err
	}
	return s.OpenLineCredentials(account)
}

// OpenLineCredentials unseals the credentials of an account already read, such as
// LineAccountByID's: no second read of the row.
func (s *Store) OpenLineCredentials(account LineAccount) (LineCredentials, error) {
	secret, errSecret := s.box.Open(account.ChannelSecretSealed, secretPlace(account.ID, "channel_secret"))
	token, errToken := s.box.Open(account.ChannelAccessTokenSealed, secretPlace(account.ID, "channel_access_token"))
	if err := errors.Join(errSecret, errToken); err != nil {
		return LineCredentials{}, fmt.Errorf("open credentials of line account %s: %w", account.ID, err)
	}
	return LineCredentials{ChannelSecret: secret, ChannelAccessToken: token}, nil
}

// LineAccountByID returns an account by ID alone, whichever workspace it belongs to:
// for LINE's webhook, whose URL names the account and whose signature proves the caller.
func (s *Store) LineAccountByID(ctx context.Context, id string) (LineAccount, error) {
	var account LineAccount
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&account).Error
	return account, notFound(err)
}
