// Package amzjson is the AWS JSON 1.1 framing both of the server's APIs
// speak (idp/wire, the user pools; idp/identity, the identity pools):
// request bodies decoded strictly, answers and errors written with the
// headers AWS's SDKs read.
package amzjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/userpool"
)

// ContentType is the media type of requests and answers.
const ContentType = "application/x-amz-json-1.1"

// Decode reads a request body into v. An empty body is {}; a value of the
// wrong type, malformed JSON and trailing data are SerializationException.
func Decode(body []byte, v any) *userpool.Error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return userpool.NewError("SerializationException", "Unexpected value type for field %s", te.Field)
		}
		return userpool.NewError("SerializationException", "Malformed request body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return userpool.NewError("SerializationException", "Malformed request body: trailing data")
	}
	return nil
}

// ReadBody reads a request body of at most limit bytes: a larger one is
// SerializationException with status 413, an unreadable one
// SerializationException.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *userpool.Error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &userpool.Error{Type: "SerializationException", Message: fmt.Sprintf("Request body larger than %d bytes", limit), Status: http.StatusRequestEntityTooLarge}
		}
		return nil, userpool.NewError("SerializationException", "Could not read request body")
	}
	return body, nil
}

// WriteResult answers 200 with out ({} for nil) and a request id drawn
// from rand; a value that does not encode is answered as
// InternalErrorException.
func WriteResult(w http.ResponseWriter, rand io.Reader, out any) {
	if out == nil {
		out = struct{}{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		WriteError(w, rand, userpool.NewError("InternalErrorException", "Internal error: %v", err))
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("x-amzn-RequestId", rnd.ID(rand))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// WriteError answers e: {"__type", "message"} with its status (400 when
// unset), x-amzn-ErrorType and a request id drawn from rand.
func WriteError(w http.ResponseWriter, rand io.Reader, e *userpool.Error) {
	st := e.Status
	if st == 0 {
		st = http.StatusBadRequest
	}
	b, _ := json.Marshal(map[string]string{"__type": e.Type, "message": e.Message})
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("x-amzn-ErrorType", e.Type)
	w.Header().Set("x-amzn-RequestId", rnd.ID(rand))
	w.WriteHeader(st)
	w.Write(b)
}
