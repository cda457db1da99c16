package model

// Rule identifies a semantic rule checked by Check / Validate /
// CheckConfigure. Each Problem also names the RFC section it comes from.
type Rule string

// Identity and references.
const (
	RuleRequired     Rule = "required"      // a required attribute/element/list member is missing (RFC 8846 §4 schema)
	RuleIDSyntax     Rule = "id-syntax"     // xs:ID / xs:IDREF values are NCNames (RFC 8846 §4 schema)
	RuleIDUnique     Rule = "id-unique"     // xs:ID values are unique in the document (RFC 8846 §4; RFC 8845 §7.1, §7.3)
	RuleSyncIDShared Rule = "sync-id-share" // warning: a synchronizationID is shared, which xs:ID forbids (RFC 8846 §11.8; DIGEST §9 #8)
	RuleRef          Rule = "ref"           // an IDREF names nothing, or the wrong kind of thing
	RuleDuplicateRef Rule = "dup-ref"       // warning: the same reference twice in one list
)

// Media captures.
const (
	RuleCaptureType     Rule = "capture-type"      // xsi:type present and consistent with mediaType (RFC 8846 §11.2, §12–§14)
	RuleSpatialChoice   Rule = "spatial-choice"    // exactly one of spatialInformation / nonSpatiallyDefinable (RFC 8846 §11.6)
	RuleTextNonSpatial  Rule = "text-nonspatial"   // text captures are nonSpatiallyDefinable (RFC 8846 §14)
	RuleAudioOrigin     Rule = "audio-origin"      // spatially definable audio has captureOrigin (RFC 8846 §11.5.1)
	RuleAudioNoArea     Rule = "audio-no-area"     // audio has no captureArea (RFC 8846 §11.5.2)
	RuleVideoArea       Rule = "video-area"        // spatially definable video has captureArea (RFC 8846 §11.5.2)
	RuleFinite          Rule = "finite"            // coordinates are finite decimals (RFC 8846 §11.5.1 pointType)
	RuleLineOfCapture   Rule = "line-of-capture"   // point on line of capture differs from capture point (RFC 8846 §11.5.1)
	RuleLineBetween     Rule = "line-between"      // video: point on line of capture between capture point and area (RFC 8846 §11.5.1)
	RuleAreaCoplanar    Rule = "area-coplanar"     // the four corners are coplanar (RFC 8846 §11.5.2)
	RuleAreaShape       Rule = "area-shape"        // corners form a non-degenerate convex quadrilateral in order (RFC 8845 §7.1.1.3)
	RuleAreaOrientation Rule = "area-orientation"  // left/right corners as seen from the capture point (RFC 8846 §11.5.2)
	RuleIndividualMCC   Rule = "individual-mcc"    // <individual> excludes the MCC elements (RFC 8846 §11.12)
	RuleMCCMediaType    Rule = "mcc-media-type"    // an MCC holds captures of its own media type only (RFC 8845 §7.2)
	RuleMCCCycle        Rule = "mcc-cycle"         // an MCC does not contain itself (RFC 8845 §7.2)
	RuleMCCArea         Rule = "mcc-area"          // an MCC's area covers its same-scene constituents' areas (RFC 8845 §7.1.1.3, §7.2.1)
	RuleMaxCaptures     Rule = "max-captures"      // 1 ≤ maxCaptures ≤ number of content captures (RFC 8846 §11.11; RFC 8845 §7.2.1.1)
	RulePolicy          Rule = "policy"            // policy matches token:index (RFC 8846 §11.10)
	RuleSubsetNoContent Rule = "subset-no-content" // warning: allowSubsetChoice without references has no effect (RFC 8846 §11.9)
	RuleAudioOnly       Rule = "audio-only"        // sensitivityPattern only on audio captures (RFC 8846 §12.1)
	RuleEnum            Rule = "enum"              // mobility / scale take their enumerated values (RFC 8846 §11.16, §16.4)
	RuleLanguage        Rule = "language"          // lang values are language tags (RFC 8846 §11.13, §11.15; RFC 5646)
	RuleRegistry        Rule = "registry"          // warning: view / sensitivityPattern value not in its IANA registry (RFC 8846 §26.4, §26.6)
	RuleDescriptionLang Rule = "description-lang"  // warning: two descriptions in the same language (RFC 8846 §11.13)
	RuleRelatedSelf     Rule = "related-self"      // relatedTo names another capture (RFC 8846 §11.17)
)

// Scenes, encodings, sets, views, people.
const (
	RuleSceneViews          Rule = "scene-views"           // warning: a scene without <sceneViews> (RFC 8846 §16.2 vs schema; DIGEST §9 #9)
	RuleSceneViewScene      Rule = "scene-view-scene"      // a scene view lists captures of its own scene (RFC 8846 §11.3, §16)
	RuleSceneViewMediaType  Rule = "scene-view-media-type" // a scene view holds one media type (RFC 8846 §17; RFC 8845 §7.3)
	RuleEncGroupCapacity    Rule = "enc-group-capacity"    // encoding groups can serve every CSV / global view at once (RFC 8845 §9.3, §7.4)
	RuleEncodingID          Rule = "encoding-id"           // encodingID is an SDP label token (RFC 8848 §4.4.1; RFC 4574 §4)
	RuleEncodingIDUnique    Rule = "encoding-id-unique"    // encodingIDs distinct in a group (error) and across groups (warning) (RFC 8848 §4.4.1)
	RuleGroupBandwidth      Rule = "group-bandwidth"       // warning: maxGroupBandwidth 0 allows no stream (RFC 8845 §9.2)
	RuleSetMediaType        Rule = "set-media-type"        // a simultaneous set holds one media type; mediaType with scene refs only (RFC 8846 §19.2; RFC 8845 §8)
	RuleSetEmpty            Rule = "set-empty"             // warning: a simultaneous set without references
	RuleSetCoversCSV        Rule = "set-covers-csv"        // sets allow every CSV at once (RFC 8845 §8)
	RuleSetCoversGlobalView Rule = "set-covers-global"     // sets reflect every global view (RFC 8845 §8)
	RuleGlobalViewMediaType Rule = "global-view-media"     // a global view holds one media type (RFC 8846 §20; RFC 8845 §7.4)
	RuleXCardFN             Rule = "xcard-fn"              // an xCard has <fn> (RFC 8846 §21.1.2; RFC 8845 §7.1.1.10)
	RuleXCardCardinality    Rule = "xcard-cardinality"     // single-valued vCard properties at most once (RFC 6351 §5.2; RFC 6350)
	RulePersonTypeRepeat    Rule = "person-type-repeat"    // personType values not repeated (RFC 8845 §7.1.1.11)
	RuleXCardInline         Rule = "xcard-inline"          // warning: LOGO/PHOTO/SOUND carried inline instead of by URI (RFC 8845 §7.1.1.10, §7.3.1.1)
	RuleStaticMoved         Rule = "static-moved"          // a static capture's point of capture moved between advertisements (RFC 8845 §7.1.1.4; RFC 8846 §11.16)
)

// Configure (capture encodings against the advertisement they refer to).
const (
	RuleCEUnknownCapture Rule = "ce-unknown-capture" // captureID is advertised (RFC 8846 §22.1; RFC 8845 §10)
	RuleCENoEncGroup     Rule = "ce-no-enc-group"    // the capture has an encoding group (RFC 8845 §9.3)
	RuleCEEncoding       Rule = "ce-encoding"        // encodingID is in the capture's encoding group (RFC 8846 §22.2; RFC 8845 §10)
	RuleCEEncodingReuse  Rule = "ce-encoding-reuse"  // an individual encoding serves one capture encoding (RFC 8845 §9.1)
	RuleCECaptureReuse   Rule = "ce-capture-reuse"   // a capture feeds at most one capture encoding (RFC 8845 §7.1)
	RuleCEContentNotMCC  Rule = "ce-content-not-mcc" // configuredContent only for MCCs (RFC 8846 §22.3)
	RuleSubsetChoice     Rule = "subset-choice"      // no subset unless allowSubsetChoice and references (RFC 8846 §11.9; RFC 8847 code 405)
	RuleCEContentOutside Rule = "ce-content-outside" // configuredContent within the MCC's content (RFC 8846 §11.9, §22.3)
	RuleCEMaxCaptures    Rule = "ce-max-captures"    // configuredContent size ≤ maxCaptures (RFC 8846 §22.3)
	RuleCESimultaneous   Rule = "ce-simultaneous"    // per media type within one simultaneous set (RFC 8845 §8)
)
