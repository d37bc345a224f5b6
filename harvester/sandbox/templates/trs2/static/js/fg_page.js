// A look-alike of the TRS pager, 1-based, writing into a div:
// createPageHTML(div id, page count, current page from 1, prefix, extension, record count)
// page 1 is prefix.ext, page k is prefix_k.ext
function createPageHTML(divId, pageCount, currPage, prefix, ext, total){
	var el = document.getElementById(divId);
	if(!el || pageCount <= 1){ return; }
	function name(k){ return k == 1 ? prefix + "." + ext : prefix + "_" + k + "." + ext; }
	var h = "<span>共" + total + "条 " + currPage + "/" + pageCount + "页</span> ";
	h += currPage > 1 ? "<a href=\"" + name(1) + "\">首页</a> <a href=\"" + name(currPage-1) + "\">上一页</a> " : "首页 上一页 ";
	h += currPage < pageCount ? "<a href=\"" + name(currPage+1) + "\">下一页</a> <a href=\"" + name(pageCount) + "\">尾页</a>" : "下一页 尾页";
	el.innerHTML = h;
}
