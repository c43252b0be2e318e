package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// JSONDocument is a JSON value kept verbatim: jsonb in PostgreSQL, TEXT in SQLite.
// It is used for documents whose schema lives elsewhere (workflow definitions, messages).
type JSONDocument json.RawMessage

// Value stores the document as text, which both databases accept for their JSON column.
func (d JSONDocument) Value() (driver.Value, error) {
	if len(d) == 0 {
		return nil, nil
	}
	return string(d), nil
}

// Scan reads the document from text or bytes.
func (d *JSONDocument) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = nil
	case []byte:
		*d = append(JSONDocument(nil), v...)
	case string:
		*d = JSONDocument(v)
	default:
		return fmt.Errorf("models: cannot scan %T into JSONDocument", src)
	}
	return nil
}

// MarshalJSON writes the document as it is (null when empty).
func (d JSONDocument) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("null"), nil
	}
	return d, nil
}

// UnmarshalJSON keeps a copy of the document as it is.
func (d *JSONDocument) UnmarshalJSON(data []byte) error {
	*d = append(JSONDocument(nil), data...)
	return nil
}
