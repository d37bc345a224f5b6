// TRS WCM list pager: createPageHTML(page count, current index from 0, prefix, extension)
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){ return; }
	var n = _nCurrIndex || 0;
	function name(i){ return i == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt; }
	var h = "<div class=\"page\">";
	h += n == 0 ? "<span>首页</span> <span>上一页</span> " : "<a href=\"" + name(0) + "\">首页</a> <a href=\"" + name(n-1) + "\">上一页</a> ";
	for(var i=0;i<_nPageCount;i++){ h += i == n ? "<span class=\"current\">" + (i+1) + "</span> " : "<a href=\"" + name(i) + "\">" + (i+1) + "</a> "; }
	h += n == _nPageCount-1 ? "<span>下一页</span> <span>尾页</span>" : "<a href=\"" + name(n+1) + "\">下一页</a> <a href=\"" + name(_nPageCount-1) + "\">尾页</a>";
	document.write(h + "</div>");
}
