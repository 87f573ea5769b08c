// Strings of the map on the /ogc pages. Those pages are rendered by the server in one
// language (html lang); the script picks the same one from this catalogue.
export default {
  ja: {
    "ml.Map.Title": "地図（矢印キーで移動、＋／−で拡大・縮小）",
    "ogc.no_webgl": "このブラウザでは地図を表示できません。表の内容は同じです。",
    "ogc.load_failed": "地図に表示する地物を読み込めませんでした。",
    "ogc.nothing": "地図に表示できる図形がありません。",
    "ogc.basemap_unavailable": "背景地図（地理院タイル）を読み込めないため、図形だけを表示しています。",
    "ml.NavigationControl.ZoomIn": "拡大",
    "ml.NavigationControl.ZoomOut": "縮小",
    "ml.AttributionControl.ToggleAttribution": "出典の表示・非表示",
    "ml.CooperativeGesturesHandler.WindowsHelpText": "Ctrl キーを押しながらスクロールすると拡大・縮小します",
    "ml.CooperativeGesturesHandler.MacHelpText": "⌘ キーを押しながらスクロールすると拡大・縮小します",
    "ml.CooperativeGesturesHandler.MobileHelpText": "2 本指で地図を動かします",
  },
  en: {
    "ml.Map.Title": "Map (arrow keys move it, + and − zoom)",
    "ogc.no_webgl": "This browser cannot show the map. The table holds the same features.",
    "ogc.load_failed": "The features for the map could not be loaded.",
    "ogc.nothing": "There is no geometry to show on the map.",
    "ogc.basemap_unavailable":
      "The background map (GSI tiles) cannot be loaded: the features are drawn on a plain background.",
    "ml.NavigationControl.ZoomIn": "Zoom in",
    "ml.NavigationControl.ZoomOut": "Zoom out",
    "ml.AttributionControl.ToggleAttribution": "Show or hide attribution",
    "ml.CooperativeGesturesHandler.WindowsHelpText": "Use Ctrl + scroll to zoom the map",
    "ml.CooperativeGesturesHandler.MacHelpText": "Use ⌘ + scroll to zoom the map",
    "ml.CooperativeGesturesHandler.MobileHelpText": "Use two fingers to move the map",
  },
};
