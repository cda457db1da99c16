include $(sort $(wildcard $(BR2_EXTERNAL_CLUECAM_PATH)/package/*/*.mk))
