// Package catalog owns the catalogue of services (C1): what a citizen can apply for, the fields of
// each form with their checks, the documents to attach, the fee, the review period and the
// workflow an application of the service follows. Services are data, not code: one YAML file per
// service under services/ in the catalogue folder (the shipped one is embedded from catalog/ at the
// repository's root; OPVK_CATALOG_DIR points to an operator's own), read and checked once at
// start-up. A file that is wrong stops the start with the file, the line and what is wrong.
//
// The same checks serve the live check of one field as the user leaves it, the check of the whole
// form on submission, and any future API: Service.Validate and Service.ValidateField. Problems are
// data (field name → message in the user's language), never errors.
package catalog
