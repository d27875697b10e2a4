import { type GrpcObject, type ServiceClientConstructor, loadPackageDefinition } from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';

/**
 * The part of Google's `stream_list.proto` (youtube.md §3.2; package `youtube.api.v3`, proto2) that this
 * service reads, as a protobuf.js JSON descriptor so the webpack bundle needs no .proto file at run time.
 * Field numbers are Google's; names are written camelCase so decoded messages have the same shape as
 * the REST `liveChatMessage` resource. Fields left out (display names, channel URLs, avatars, poll and
 * ban details, etag...) are skipped by the decoder and never reach this process's objects.
 */
const STREAM_LIST_DESCRIPTOR = {
  nested: {
    youtube: {
      nested: {
        api: {
          nested: {
            v3: {
              nested: {
                V3DataLiveChatMessageService: {
                  methods: {
                    StreamList: { requestType: 'LiveChatMessageListRequest', responseType: 'LiveChatMessageListResponse', responseStream: true },
                  },
                },
                LiveChatMessageListRequest: {
                  fields: {
                    liveChatId: { type: 'string', id: 1 },
                    pageToken: { type: 'string', id: 99 },
                    part: { rule: 'repeated', type: 'string', id: 100 },
                  },
                },
                LiveChatMessageListResponse: {
                  fields: {
                    kind: { type: 'string', id: 200 },
                    offlineAt: { type: 'string', id: 2 },
                    pageInfo: { type: 'PageInfo', id: 1004 },
                    nextPageToken: { type: 'string', id: 100602 },
                    items: { rule: 'repeated', type: 'LiveChatMessage', id: 1007 },
                  },
                },
                PageInfo: { fields: { totalResults: { type: 'int32', id: 1 }, resultsPerPage: { type: 'int32', id: 2 } } },
                LiveChatMessage: {
                  fields: {
                    kind: { type: 'string', id: 200 },
                    id: { type: 'string', id: 101 },
                    snippet: { type: 'LiveChatMessageSnippet', id: 2 },
                    authorDetails: { type: 'LiveChatMessageAuthorDetails', id: 3 },
                  },
                },
                LiveChatMessageAuthorDetails: {
                  fields: {
                    channelId: { type: 'string', id: 10101 },
                    isChatOwner: { type: 'bool', id: 5 },
                    isChatSponsor: { type: 'bool', id: 6 },
                    isChatModerator: { type: 'bool', id: 7 },
                  },
                },
                LiveChatMessageSnippet: {
                  fields: {
                    type: { type: 'TypeWrapper.Type', id: 1 },
                    liveChatId: { type: 'string', id: 201 },
                    publishedAt: { type: 'string', id: 4 },
                    displayMessage: { type: 'string', id: 16 },
                    textMessageDetails: { type: 'LiveChatTextMessageDetails', id: 19 },
                    superChatDetails: { type: 'LiveChatSuperChatDetails', id: 27 },
                    superStickerDetails: { type: 'LiveChatSuperStickerDetails', id: 28 },
                    newSponsorDetails: { type: 'LiveChatNewSponsorDetails', id: 29 },
                    memberMilestoneChatDetails: { type: 'LiveChatMemberMilestoneChatDetails', id: 30 },
                    membershipGiftingDetails: { type: 'LiveChatMembershipGiftingDetails', id: 31 },
                    giftDetails: { type: 'LiveChatGiftDetails', id: 34 },
                  },
                  nested: {
                    TypeWrapper: {
                      nested: {
                        Type: {
                          values: {
                            INVALID_TYPE: 0,
                            TEXT_MESSAGE_EVENT: 1,
                            TOMBSTONE: 2,
                            FAN_FUNDING_EVENT: 3,
                            CHAT_ENDED_EVENT: 4,
                            SPONSOR_ONLY_MODE_STARTED_EVENT: 5,
                            SPONSOR_ONLY_MODE_ENDED_EVENT: 6,
                            NEW_SPONSOR_EVENT: 7,
                            USER_BANNED_EVENT: 10,
                            SUPER_CHAT_EVENT: 15,
                            SUPER_STICKER_EVENT: 16,
                            MEMBER_MILESTONE_CHAT_EVENT: 17,
                            MEMBERSHIP_GIFTING_EVENT: 18,
                            GIFT_MEMBERSHIP_RECEIVED_EVENT: 19,
                            POLL_EVENT: 20,
                            GIFT_EVENT: 21,
                          },
                        },
                      },
                    },
                  },
                },
                LiveChatTextMessageDetails: { fields: { messageText: { type: 'string', id: 1 } } },
                LiveChatSuperChatDetails: { fields: { amountMicros: { type: 'uint64', id: 1 }, currency: { type: 'string', id: 2 } } },
                LiveChatSuperStickerDetails: { fields: { amountMicros: { type: 'uint64', id: 1 }, currency: { type: 'string', id: 2 } } },
                LiveChatNewSponsorDetails: { fields: { memberLevelName: { type: 'string', id: 1 }, isUpgrade: { type: 'bool', id: 2 } } },
                LiveChatMemberMilestoneChatDetails: { fields: { memberMonth: { type: 'uint32', id: 2 } } },
                LiveChatMembershipGiftingDetails: { fields: { giftMembershipsCount: { type: 'int32', id: 1 } } },
                LiveChatGiftDetails: { fields: { jewelsAmount: { type: 'int32', id: 3 }, comboCount: { type: 'int32', id: 8 } } },
              },
            },
          },
        },
      },
    },
  },
};

let cached: ServiceClientConstructor | null = null;

/**
 * The generated client constructor for `V3DataLiveChatMessageService`. Decoding: 64-bit integers as
 * decimal strings (as REST serialises `amountMicros`), enums as their names, absent fields left out.
 */
export function streamListClientConstructor(): ServiceClientConstructor {
  if (cached) return cached;
  // The literal is a valid protobuf.js namespace; its inferred type is narrower than INamespace's union.
  const definition = fromJSON(STREAM_LIST_DESCRIPTOR as unknown as Parameters<typeof fromJSON>[0], { longs: String, enums: String, defaults: false, oneofs: false });
  const v3 = (((loadPackageDefinition(definition).youtube as GrpcObject).api as GrpcObject).v3 as GrpcObject);
  cached = v3.V3DataLiveChatMessageService as ServiceClientConstructor;
  return cached;
}
