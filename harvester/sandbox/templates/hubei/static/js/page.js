// Hubei TRS list pager:
// createPageHTML(page count, current index from 0, prefix, extension, css class, record count)
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt, _sClass, _nRecCount){
	if(_nPageCount == null || _nPageCount<=1){ return; }
	var cls = _sClass || "black2";
	var nCurrIndex = _nCurrIndex || 0;
	var html = "<div class=\"" + cls + "\">";
	if(_nRecCount != null) html += "<span>共" + _nRecCount + "条</span> ";
	function name(i){ return i == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt; }
	html += nCurrIndex == 0 ? "<span class=\"disabled\">上一页</span>" : "<a href=\"" + name(nCurrIndex-1) + "\">上一页</a>";
	for(var i=0;i<_nPageCount;i++){
		html += i == nCurrIndex ? "<span class=\"current\">" + (i+1) + "</span>" : "<a href=\"" + name(i) + "\">" + (i+1) + "</a>";
	}
	html += nCurrIndex == _nPageCount-1 ? "<span class=\"disabled\">下一页</span>" : "<a href=\"" + name(nCurrIndex+1) + "\">下一页</a>";
	html += "</div>";
	document.write(html);
}
function doZoom(size){ var z=document.getElementById("zoom"); if(z) z.style.fontSize=size+"px"; }
