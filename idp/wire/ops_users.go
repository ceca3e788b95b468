package wire

import (
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
)

func init() {
	register(map[string]opHandler{
		// User-side operations (an access token or a public client).
		"ChangePassword":                   handle(opChangePassword),
		"ForgotPassword":                   handle(opForgotPassword),
		"ConfirmForgotPassword":            handle(opConfirmForgotPassword),
		"ResendConfirmationCode":           handle(opResendConfirmationCode),
		"UpdateUserAttributes":             handle(opUpdateUserAttributes),
		"GetUserAttributeVerificationCode": handle(opGetUserAttributeVerificationCode),
		"VerifyUserAttribute":              handle(opVerifyUserAttribute),
		"DeleteUserAttributes":             handle(opDeleteUserAttributes),
		"DeleteUser":                       handle(opDeleteUser),
		"GetDevice":                        handle(opGetDevice),
		// Admin operations on users and devices.
		"AdminGetDevice":               handle(opAdminGetDevice),
		"AdminListDevices":             handle(opAdminListDevices),
		"AdminUpdateDeviceStatus":      handle(opAdminUpdateDeviceStatus),
		"AdminUserGlobalSignOut":       handle(opAdminUserGlobalSignOut),
		"AdminResetUserPassword":       handle(opAdminResetUserPassword),
		"AdminDisableUser":             handle(opAdminDisableUser),
		"AdminEnableUser":              handle(opAdminEnableUser),
		"AdminDeleteUserAttributes":    handle(opAdminDeleteUserAttributes),
		"AdminListUserAuthEvents":      handle(opAdminListUserAuthEvents),
		"AdminUpdateAuthEventFeedback": handle(opAdminUpdateAuthEventFeedback),
		"AdminLinkProviderForUser":     handle(opAdminLinkProviderForUser),
	})
}

// deviceOut renders Cognito's DeviceType.
func deviceOut(d *store.Device) map[string]any {
	status := "not_remembered"
	if d.Remembered {
		status = "remembered"
	}
	return map[string]any{
		"DeviceKey": d.Key,
		"DeviceAttributes": []attribute{
			{Name: "device_status", Value: "valid"}, {Name: "device_name", Value: d.Name}, {Name: "dev:device_remembered_status", Value: status},
		},
		"DeviceCreateDate": epoch(d.CreatedAt), "DeviceLastModifiedDate": epoch(d.ModifiedAt),
		"DeviceLastAuthenticatedDate": epoch(d.LastAuthAt),
	}
}

type changePasswordIn struct{ AccessToken, PreviousPassword, ProposedPassword string }

func opChangePassword(svc *userpool.Service, c *call, in *changePasswordIn) (any, *userpool.Error) {
	return done(svc.ChangePassword(in.AccessToken, in.PreviousPassword, in.ProposedPassword, c.source))
}

type clientUserIn struct {
	ClientId, SecretHash, Username string
	ClientMetadata                 map[string]string
	contextIn
}

func deliveryOut(cd *userpool.CodeDelivery, err *userpool.Error) (any, *userpool.Error) {
	if err != nil {
		return nil, err
	}
	if cd == nil {
		return map[string]any{}, nil
	}
	return map[string]any{"CodeDeliveryDetails": cd}, nil
}

func opForgotPassword(svc *userpool.Service, c *call, in *clientUserIn) (any, *userpool.Error) {
	return deliveryOut(svc.ForgotPassword(in.ClientId, in.SecretHash, in.Username, in.ip(c)))
}

type confirmForgotIn struct {
	ClientId, SecretHash, Username, ConfirmationCode, Password string
	ClientMetadata                                             map[string]string
	contextIn
}

func opConfirmForgotPassword(svc *userpool.Service, c *call, in *confirmForgotIn) (any, *userpool.Error) {
	return done(svc.ConfirmForgotPassword(userpool.ConfirmForgotPasswordInput{
		ClientID: in.ClientId, SecretHash: in.SecretHash, Username: in.Username, Code: in.ConfirmationCode, Password: in.Password,
		IPAddress: in.ip(c),
	}))
}

func opResendConfirmationCode(svc *userpool.Service, c *call, in *clientUserIn) (any, *userpool.Error) {
	return deliveryOut(svc.ResendConfirmationCode(in.ClientId, in.SecretHash, in.Username, in.ip(c)))
}

type updateAttrsIn struct {
	AccessToken    string
	UserAttributes []attribute
	ClientMetadata map[string]string
}

func opUpdateUserAttributes(svc *userpool.Service, c *call, in *updateAttrsIn) (any, *userpool.Error) {
	cds, err := svc.UpdateUserAttributes(in.AccessToken, in.UserAttributes)
	if err != nil {
		return nil, err
	}
	if cds == nil {
		cds = []userpool.CodeDelivery{}
	}
	return map[string]any{"CodeDeliveryDetailsList": cds}, nil
}

type attrCodeIn struct{ AccessToken, AttributeName, Code string }

func opGetUserAttributeVerificationCode(svc *userpool.Service, c *call, in *attrCodeIn) (any, *userpool.Error) {
	return deliveryOut(svc.GetUserAttributeVerificationCode(in.AccessToken, in.AttributeName))
}

func opVerifyUserAttribute(svc *userpool.Service, c *call, in *attrCodeIn) (any, *userpool.Error) {
	return done(svc.VerifyUserAttribute(in.AccessToken, in.AttributeName, in.Code))
}

type deleteAttrsIn struct {
	AccessToken, UserPoolId, Username string
	UserAttributeNames                []string
}

func opDeleteUserAttributes(svc *userpool.Service, c *call, in *deleteAttrsIn) (any, *userpool.Error) {
	return done(svc.DeleteUserAttributes(in.AccessToken, in.UserAttributeNames))
}

func opAdminDeleteUserAttributes(svc *userpool.Service, c *call, in *deleteAttrsIn) (any, *userpool.Error) {
	return done(svc.AdminDeleteUserAttributes(in.UserPoolId, in.Username, in.UserAttributeNames))
}

func opDeleteUser(svc *userpool.Service, c *call, in *accessTokenIn) (any, *userpool.Error) {
	return done(svc.DeleteUser(in.AccessToken))
}

type deviceIn struct {
	AccessToken, UserPoolId, Username, DeviceKey, DeviceRememberedStatus string
	Limit                                                                int
	PaginationToken                                                      string
}

func opGetDevice(svc *userpool.Service, c *call, in *deviceIn) (any, *userpool.Error) {
	d, err := svc.GetDevice(in.AccessToken, in.DeviceKey)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Device": deviceOut(d)}, nil
}

func opAdminGetDevice(svc *userpool.Service, c *call, in *deviceIn) (any, *userpool.Error) {
	d, err := svc.AdminGetDevice(in.UserPoolId, in.Username, in.DeviceKey)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Device": deviceOut(d)}, nil
}

func opAdminListDevices(svc *userpool.Service, c *call, in *deviceIn) (any, *userpool.Error) {
	return devicesOut(svc.AdminListDevices(in.UserPoolId, in.Username, in.Limit, in.PaginationToken))
}

// devicesOut renders a page of devices, ListDevices's and
// AdminListDevices's answer.
func devicesOut(ds []*store.Device, next string, err *userpool.Error) (any, *userpool.Error) {
	if err != nil {
		return nil, err
	}
	list := make([]map[string]any, 0, len(ds))
	for _, d := range ds {
		list = append(list, deviceOut(d))
	}
	out := map[string]any{"Devices": list}
	if next != "" {
		out["PaginationToken"] = next
	}
	return out, nil
}

func opAdminUpdateDeviceStatus(svc *userpool.Service, c *call, in *deviceIn) (any, *userpool.Error) {
	remembered, err := rememberedStatus(in.DeviceRememberedStatus)
	if err != nil {
		return nil, err
	}
	return done(svc.AdminUpdateDeviceStatus(in.UserPoolId, in.Username, in.DeviceKey, remembered))
}

func opAdminUserGlobalSignOut(svc *userpool.Service, c *call, in *adminUserIn) (any, *userpool.Error) {
	return done(svc.AdminUserGlobalSignOut(in.UserPoolId, in.Username))
}

func opAdminResetUserPassword(svc *userpool.Service, c *call, in *adminUserIn) (any, *userpool.Error) {
	return done(svc.AdminResetUserPassword(in.UserPoolId, in.Username))
}

func opAdminDisableUser(svc *userpool.Service, c *call, in *adminUserIn) (any, *userpool.Error) {
	return done(svc.AdminSetUserEnabled(in.UserPoolId, in.Username, false))
}

func opAdminEnableUser(svc *userpool.Service, c *call, in *adminUserIn) (any, *userpool.Error) {
	return done(svc.AdminSetUserEnabled(in.UserPoolId, in.Username, true))
}

type authEventsIn struct {
	UserPoolId, Username string
	MaxResults           int
	NextToken            string
}

func opAdminListUserAuthEvents(svc *userpool.Service, c *call, in *authEventsIn) (any, *userpool.Error) {
	evs, next, err := svc.AdminListUserAuthEvents(in.UserPoolId, in.Username, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(evs))
	for _, e := range evs {
		m := map[string]any{
			"EventId": e.ID, "EventType": e.Type, "CreationDate": epoch(e.Created), "EventResponse": e.Response,
			// No risk is assessed locally: what Cognito answers for an
			// event its threat protection took no action on.
			"EventRisk":          map[string]any{"RiskDecision": "NoRisk", "CompromisedCredentialsDetected": false},
			"ChallengeResponses": e.Challenges,
		}
		if e.Challenges == nil {
			m["ChallengeResponses"] = []store.ChallengeOutcome{}
		}
		if e.IPAddress != "" {
			m["EventContextData"] = map[string]string{"IpAddress": e.IPAddress}
		}
		if f := e.Feedback; f != nil {
			m["EventFeedback"] = map[string]any{"FeedbackValue": f.Value, "Provider": f.Provider, "FeedbackDate": epoch(f.Date)}
		}
		out = append(out, m)
	}
	res := map[string]any{"AuthEvents": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}

type authEventFeedbackIn struct {
	UserPoolId, Username, EventId, FeedbackValue string
}

func (in *authEventFeedbackIn) check() *userpool.Error {
	return required(field{"userPoolId", in.UserPoolId, maxPoolID}, field{"username", in.Username, maxUsername},
		field{"eventId", in.EventId, 50})
}

func opAdminUpdateAuthEventFeedback(svc *userpool.Service, c *call, in *authEventFeedbackIn) (any, *userpool.Error) {
	return done(svc.AdminUpdateAuthEventFeedback(in.UserPoolId, in.Username, in.EventId, in.FeedbackValue))
}

type linkProviderIn struct{ UserPoolId string }

func opAdminLinkProviderForUser(svc *userpool.Service, c *call, in *linkProviderIn) (any, *userpool.Error) {
	return done(svc.AdminLinkProviderForUser(in.UserPoolId))
}
