// Tiếng Việt: a group's page, the joint school-route inspection section. A draft not yet
// checked by a native speaker; set reviewed: true once one has.
export const meta = { reviewed: false };

export default {
  "srg.heading": "Kiểm tra chung đường đến trường",
  "srg.intro":
    "Những chỗ nguy hiểm trên đường đến trường mà nhà trường, cơ quan quản lý đường và cảnh sát đã cùng kiểm tra, và việc mỗi bên sẽ làm.",
  "srg.count": "Số địa điểm: {n}",
  "srg.caption": "Địa điểm đã kiểm tra và biện pháp",
  "srg.col_number": "Số",
  "srg.col_place": "Địa điểm",
  "srg.col_reasons": "Lý do chọn",
  "srg.col_measures": "Biện pháp",
  "srg.party.school": "Nhà trường / hội đồng giáo dục",
  "srg.party.road": "Cơ quan quản lý đường",
  "srg.party.police": "Cảnh sát",
  "srg.status.planned": "Dự kiến",
  "srg.status.in_progress": "Đang thực hiện",
  "srg.status.done": "Đã xong",
  "srg.status.not_done": "Sẽ không thực hiện",
  "srg.reason.speed": "Xe chạy nhanh",
  "srg.reason.heavy_vehicles": "Xe lớn đi qua",
  "srg.reason.near_miss": "Suýt xảy ra tai nạn",
  "srg.reason.poor_visibility": "Khó nhìn thấy phía trước",
  "srg.reason.no_sidewalk": "Không có vỉa hè",
  "srg.reason.residents_request": "Người dân yêu cầu",
  "srg.reason.other": "Khác",
};
