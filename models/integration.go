package models

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm/clause"

	"github.com/lumoworkflows/lumo/segments"
)

// Integration is an outside service a workspace has connected: segments.ServiceShopify,
// ServiceHubSpot or ServiceKlaviyo. The integration issues add what each needs
// (credentials, sealed); this is the part segment conditions ask about.
type Integration struct {
	ID          string    `gorm:"primaryKey"`
	WorkspaceID string    `gorm:"not null"`
	Service     string    `gorm:"not null"`
	ConnectedAt time.Time `gorm:"not null"`
}

func checkService(service string) error {
	if !slices.Contains(segments.Services, service) {
		return fmt.Errorf("%w: unknown service %q", ErrInvalidInput, service)
	}
	return nil
}

// ConnectIntegration records that the workspace connected service; connecting again
// keeps the first record and returns it.
func (s *Store) ConnectIntegration(ctx context.Context, workspaceID, service string) (Integration, error) {
	if err := checkService(service); err != nil {
		return Integration{}, err
	}
	db := s.db.WithContext(ctx)
	in := Integration{ID: NewID(), WorkspaceID: workspaceID, Service: service, ConnectedAt: s.db.NowFunc()}
	err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "workspace_id"}, {Name: "service"}}, DoNothing: true}).
		Create(&in).Error
	if err != nil {
		return Integration{}, fmt.Errorf("connect %s: %w", service, err)
	}
	var got Integration
	err = db.Where("workspace_id = ? AND service = ?", workspaceID, service).Take(&got).Error
	if err != nil {
		return Integration{}, fmt.Errorf("connect %s: %w", service, err)
	}
	return got, nil
}

// DisconnectIntegration forgets that the workspace connected service (ErrNotFound if it
// had not). The friends' data from the service stays; new segment conditions on it are
// refused until it is connected again.
func (s *Store) DisconnectIntegration(ctx context.Context, workspaceID, service string) error {
	if err := checkService(service); err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Where("workspace_id = ? AND service = ?", workspaceID, service).Delete(&Integration{})
	if res.Error != nil {
		return fmt.Errorf("disconnect %s: %w", service, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ConnectedIntegrations says which services the workspace has connected.
func (s *Store) ConnectedIntegrations(ctx context.Context, workspaceID string) (segments.Integrations, error) {
	var services []string
	err := s.db.WithContext(ctx).Model(&Integration{}).Where("workspace_id = ?", workspaceID).Pluck("service", &services).Error
	if err != nil {
		return segments.Integrations{}, fmt.Errorf("read connected integrations: %w", err)
	}
	return segments.Integrations{
		Shopify: slices.Contains(services, segments.ServiceShopify),
		HubSpot: slices.Contains(services, segments.ServiceHubSpot),
		Klaviyo: slices.Contains(services, segments.ServiceKlaviyo),
	}, nil
}
