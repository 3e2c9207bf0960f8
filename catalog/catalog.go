// Package catalogdata holds the service catalogue the program ships with, as data: one YAML file
// per service under services/, the kinds of documents in document_kinds.yaml, and the Russian
// production calendar under calendar/. internal/catalog and internal/calendar read and check
// these files at start-up; an operator who sets OPVK_CATALOG_DIR gives them a folder of the same
// layout instead, starting from a copy of this one.
package catalogdata

import "embed"

// FS is the shipped catalogue: services/*.yaml, document_kinds.yaml and calendar/*.yaml.
//
//go:embed services/*.yaml document_kinds.yaml calendar/*.yaml
var FS embed.FS
