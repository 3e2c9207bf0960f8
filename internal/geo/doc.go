// Package geo decides where a sign-in comes from (A8): it looks up the country of an IP address in
// a MaxMind-format database (GeoLite2-Country, GeoIP2-Country or -City, or any .mmdb with their
// layout) and admits sign-ins only from the countries the operator allows. Package geotest builds
// small databases for tests.
package geo
