package oauth

import (
	"encoding/base64"
	"html/template"

	qrcode "github.com/skip2/go-qrcode"
)

// qrDataURI renders s (an otpauth:// URI) as a 200×200 PNG QR code in a
// data: URI, which the pages' Content-Security-Policy admits (img-src
// data:); "" when it cannot (the key is shown as text as well).
func qrDataURI(s string) template.URL {
	png, err := qrcode.Encode(s, qrcode.Medium, 200)
	if err != nil {
		return ""
	}
	// The URI is built here from PNG bytes only, so it is safe to mark as
	// a URL for html/template.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}
