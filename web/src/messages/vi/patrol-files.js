// Tiếng Việt: patrols as GPX files on a group's page (importing a GPS logger's file, or a zip
// of several, and downloading a patrol as GPX). A draft
// not yet checked by a native speaker; set reviewed: true once one has.
export const meta = { reviewed: false };

export default {
  "gpx.heading": "Nhập từ tệp GPX",
  "gpx.intro":
    "Nhập tệp GPX được ghi bằng máy ghi GPS hoặc ứng dụng điện thoại (nhiều tệp thì gộp vào một tệp ZIP) thành các lần tuần tra: mỗi tuyến (track) là một lần tuần tra, giữ nguyên mọi điểm và thời gian như khi ghi.",
  "gpx.file": "Tệp GPX (.gpx hoặc .zip)",
  "gpx.file_hint": "Thời gian không ghi múi giờ được hiểu là giờ Nhật Bản.",
  "gpx.kind": "Loại hoạt động",
  "gpx.kind_file": "Theo tệp",
  "gpx.kind.patrol": "Tuần tra phòng chống tội phạm",
  "gpx.kind.safety_walk": "Đi bộ kiểm tra an toàn khu phố",
  "gpx.kind.school_watch": "Trông chừng giờ đi học, tan học",
  "gpx.participants": "Số người tham gia",
  "gpx.submit": "Nhập",
  "gpx.sending": "Đang nhập…",
  "gpx.imported": { other: "Đã nhập {n} lần tuần tra." },
  "gpx.download": "GPX",
  "gpx.download_label": "Tải “{title}” xuống dưới dạng GPX",
};
