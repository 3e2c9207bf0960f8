// Package upload recognises the files people attach to applications (C3) by their content, never
// by their name or the type the browser claims: PDF, JPEG and PNG are accepted, everything else is
// refused before a byte of it is stored. It also enforces the size limit while the file streams
// through, so a large upload never has to fit in memory.
package upload
